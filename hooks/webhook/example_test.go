package webhook_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/attachkit/attachments"
	"github.com/attachkit/attachments/errs"
	"github.com/attachkit/attachments/hooks/webhook"
	"github.com/attachkit/attachments/internal/hookstest"
)

// A receiver verifies the signature before it trusts a byte of the body.
func ExampleVerifyRequest() {
	secret := []byte("a secret the host and the service share")
	rules := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := webhook.VerifyRequest(r, secret, nil)
		if err != nil {
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		var env webhook.Envelope
		if err := json.Unmarshal(body, &env); err != nil {
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		reply := webhook.Reply{Allow: true}
		for _, m := range env.Media {
			if env.Side == attachments.SideCustomer && m.ContentType == "application/pdf" {
				reply = webhook.Reply{Allow: false, Reason: "please send a photo instead of a PDF"}
			}
		}
		_ = json.NewEncoder(w).Encode(reply)
	})
	srv := httptest.NewServer(rules)
	defer srv.Close()

	resp, _ := http.Post(srv.URL, "application/json", nil) // unsigned
	resp.Body.Close()
	fmt.Println(resp.StatusCode)
	// Output: 401
}

// A pre-event webhook in one line: the service sees each upload's metadata
// and may refuse it, with a reason the sender is shown.
func ExampleGate() {
	f, _ := hookstest.Open()
	defer f.Close()
	secret := []byte("a secret the host and the service share")
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := webhook.VerifyRequest(r, secret, nil)
		if err != nil {
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		var env webhook.Envelope
		_ = json.Unmarshal(body, &env)
		if env.Side == attachments.SideCustomer {
			_ = json.NewEncoder(w).Encode(webhook.Reply{Allow: false, Reason: "an agent will ask you for files"})
		}
	}))
	defer srv.Close()

	remove, err := webhook.Gate(f.Client, srv.URL, secret, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer remove()

	ctx := context.Background()
	_, err = f.Send(ctx, f.Agent, "form.png", hookstest.PNG(2, 2))
	fmt.Println("agent:", err)
	_, err = f.Send(ctx, f.Customer, "photo.png", hookstest.PNG(2, 2))
	var e *errs.Error
	if errors.As(err, &e) {
		fmt.Println("customer:", e.Code, "-", e.Text())
	}
	// Output:
	// agent: <nil>
	// customer: canceled - an agent will ask you for files
}

// A post-event webhook: automation hears of every media message, and the
// sender never waits for it.
func ExampleNewNotifier() {
	f, _ := hookstest.Open()
	defer f.Close()
	secret := []byte("a secret the host and the bot share")
	events := make(chan webhook.Envelope, 10)
	bot := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := webhook.VerifyRequest(r, secret, nil)
		if err != nil {
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		var env webhook.Envelope
		_ = json.Unmarshal(body, &env)
		events <- env
	}))
	defer bot.Close()

	n, err := webhook.NewNotifier(f.Client, bot.URL, secret, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	_, _ = f.Send(context.Background(), f.Customer, "receipt.png", hookstest.PNG(2, 2))

	// Close delivers what is queued before it returns.
	_ = n.Close(context.Background())
	env := <-events
	fmt.Println(env.Phase, env.Action, env.Code, env.Media[0].ContentType)
	fmt.Printf("%+v\n", n.Stats())
	// Output:
	// after SendMediaMessage ok image/png
	// {Delivered:1 Retried:0 Failed:0 Dropped:0 Queued:0}
}
