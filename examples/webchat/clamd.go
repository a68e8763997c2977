package main

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/attachkit/attachments/hooks/clamav"
)

// newScanner returns a scanner for the clamd at addr, "unix:<socket path>"
// or "tcp:<host:port>", once it has answered, and clamd's version.
func newScanner(ctx context.Context, addr string) (*clamav.Scanner, string, error) {
	network, address, ok := strings.Cut(addr, ":")
	if !ok || (network != "unix" && network != "tcp") || address == "" {
		return nil, "", fmt.Errorf("-clamd %q: want unix:<socket path> or tcp:<host:port>", addr)
	}
	s, err := clamav.New(network, address, nil)
	if err != nil {
		return nil, "", err
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	version, err := s.Version(ctx)
	if err != nil {
		return nil, "", fmt.Errorf("clamd at %s does not answer: %w", addr, err)
	}
	return s, version, nil
}
