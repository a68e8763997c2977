package clamav_test

import (
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"testing"

	"github.com/attachkit/attachments/hooks/clamav"
)

// BenchmarkScan compares Scan, which streams the file in fixed-size chunks,
// with a baseline that holds the whole file in memory and sends it in one
// write: the simplest client there is. Compare them as a ratio.
func BenchmarkScan(b *testing.B) {
	d := clamd.Get(b)
	const size = 512 << 10
	data, err := io.ReadAll(sized(size))
	if err != nil {
		b.Fatal(err)
	}

	b.Run("baseline=whole-file-one-write", func(b *testing.B) {
		b.SetBytes(size)
		for b.Loop() {
			msg := make([]byte, 0, len("zINSTREAM\x00")+4+size+4)
			msg = append(msg, "zINSTREAM\x00"...)
			msg = binary.BigEndian.AppendUint32(msg, size)
			msg = append(msg, data...)
			msg = binary.BigEndian.AppendUint32(msg, 0)
			c, err := net.Dial("unix", d.Socket)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := c.Write(msg); err != nil {
				b.Fatal(err)
			}
			reply, err := io.ReadAll(c)
			c.Close()
			if err != nil || string(reply) != "stream: OK\x00" {
				b.Fatalf("reply %q, %v", reply, err)
			}
		}
	})
	for _, chunk := range []int{8 << 10, clamav.DefaultChunkSize} {
		b.Run(fmt.Sprintf("scan/chunk=%dKiB", chunk>>10), func(b *testing.B) {
			s := newScanner(b, "unix", d.Socket, &clamav.Options{ChunkSize: chunk})
			b.SetBytes(size)
			for b.Loop() {
				res, err := s.Scan(b.Context(), sized(size))
				if err != nil || res.Infected {
					b.Fatalf("Scan = %+v, %v", res, err)
				}
			}
		})
	}
}
