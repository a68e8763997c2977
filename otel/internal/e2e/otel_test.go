package e2e_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"image"
	"image/color"
	"image/png"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/propagation"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/attachkit/attachments"
	"github.com/attachkit/attachments/attachmentstest"
	"github.com/attachkit/attachments/httpapi"
	ledgermemory "github.com/attachkit/attachments/ledger/memory"
	"github.com/attachkit/attachments/otel"
	"github.com/attachkit/attachments/preview"
	"github.com/attachkit/attachments/storage/memory"
)

// newTracing is a Tracing on an SDK provider that exports every span,
// synchronously, to the in-memory exporter it returns.
func newTracing(t testing.TB, identities, fileNames bool) (*otel.Tracing, *tracetest.InMemoryExporter) {
	exp := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp))
	t.Cleanup(func() { _ = tp.Shutdown(context.Background()) })
	return otel.New(&otel.Options{TracerProvider: tp, Propagators: propagation.TraceContext{},
		Identities: identities, FileNames: fileNames}), exp
}

// tracedHost is a Client with every part traced by tr: actions, ledger and
// storage.
func tracedHost(t *testing.T, tr *otel.Tracing) *attachmentstest.Host {
	return attachmentstest.NewClient(t, attachments.DefaultConfig(), &attachments.Options{
		Trace:   tr.Start,
		Ledger:  tr.Ledger(ledgermemory.New()),
		Storage: tr.Bucket(memory.New()),
	})
}

func pngBytes(t testing.TB) []byte {
	img := image.NewRGBA(image.Rect(0, 0, 64, 48))
	for i := range img.Pix {
		img.Pix[i] = byte(i)
	}
	img.Set(0, 0, color.RGBA{R: 255, A: 255})
	var b bytes.Buffer
	require.NoError(t, png.Encode(&b, img))
	return b.Bytes()
}

// spanTree indexes exported spans by ID, to walk from a span to its
// ancestors.
type spanTree map[trace.SpanID]tracetest.SpanStub

func treeOf(spans tracetest.SpanStubs) spanTree {
	m := spanTree{}
	for _, s := range spans {
		m[s.SpanContext.SpanID()] = s
	}
	return m
}

// under reports whether s descends from the span with ID id.
func (m spanTree) under(s tracetest.SpanStub, id trace.SpanID) bool {
	for p := s.Parent.SpanID(); p.IsValid(); {
		if p == id {
			return true
		}
		parent, ok := m[p]
		if !ok {
			return false
		}
		p = parent.Parent.SpanID()
	}
	return false
}

func find(spans tracetest.SpanStubs, name string, attrs ...attribute.KeyValue) []tracetest.SpanStub {
	var out []tracetest.SpanStub
	for _, s := range spans {
		if s.Name == name && hasAll(s.Attributes, attrs) {
			out = append(out, s)
		}
	}
	return out
}

func hasAll(have, want []attribute.KeyValue) bool {
	for _, w := range want {
		found := false
		for _, h := range have {
			if h.Key == w.Key && h.Value.Emit() == w.Value.Emit() {
				found = true
			}
		}
		if !found {
			return false
		}
	}
	return true
}

// upload posts one file through httpapi, as a browser does, and returns
// the media SID of the file sent.
func upload(t *testing.T, url, member, name string, content []byte) string {
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fw, err := mw.CreateFormFile("file", name)
	require.NoError(t, err)
	_, err = fw.Write(content)
	require.NoError(t, err)
	require.NoError(t, mw.Close())
	req, err := http.NewRequest(http.MethodPost, url+httpapi.DefaultPath+"channels/"+attachmentstest.Channel+"/messages", &body)
	require.NoError(t, err)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("X-User", member)
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	reply, _ := io.ReadAll(res.Body)
	require.Equal(t, http.StatusCreated, res.StatusCode, "the upload was refused: %s", reply)
	var sent struct {
		Message struct {
			Media []struct{ SID string }
		}
	}
	require.NoError(t, json.Unmarshal(reply, &sent))
	require.Len(t, sent.Message.Media, 1, "the reply names no media: %s", reply)
	return sent.Message.Media[0].SID
}

// serve mounts httpapi for host behind tr's HTTP handler.
func serve(t *testing.T, tr *otel.Tracing, host *attachmentstest.Host) string {
	member := func(r *http.Request) (attachments.Member, error) {
		id := r.Header.Get("X-User")
		if id == "" {
			return attachments.Member{}, errors.New("not signed in")
		}
		return attachments.Member{Identity: id}, nil
	}
	h, err := httpapi.New(host.Client, member, &httpapi.Options{Registerer: prometheus.NewRegistry()})
	require.NoError(t, err)
	t.Cleanup(func() { _ = h.Close(context.Background()) })
	srv := httptest.NewServer(tr.Handler(h))
	t.Cleanup(srv.Close)
	return srv.URL
}

// One upload's trace shows the whole path an operator follows: the HTTP
// route, the action, its ledger and storage calls, and the renditions the
// preview queue made after the action returned.
func TestUploadTrace(t *testing.T) {
	tr, exp := newTracing(t, false, false)
	host := tracedHost(t, tr)
	previews, err := preview.Attach(host.Client, preview.NewGoRenderer(nil), nil)
	require.NoError(t, err)
	url := serve(t, tr, host)

	sid := upload(t, url, host.Customer.Identity, "photo.png", pngBytes(t))
	require.NoError(t, previews.Close(context.Background())) // waits for the queued renditions

	spans := exp.GetSpans()
	tree := treeOf(spans)
	routes := find(spans, "POST "+httpapi.DefaultPath+"channels/{channel}/messages")
	require.Len(t, routes, 1, "one server span, named for the route")
	route := routes[0]
	assert.Equal(t, trace.SpanKindServer, route.SpanKind)

	actions := find(spans, "SendMediaMessage", otel.ActionKey.String("SendMediaMessage"),
		otel.ChannelKey.String(attachmentstest.Channel), otel.OutcomeKey.String("ok"))
	require.Len(t, actions, 1, "one span for the action, with its channel and outcome")
	action := actions[0]
	assert.Equal(t, route.SpanContext.SpanID(), action.Parent.SpanID(), "the action's span is the route's child")

	// Each step below must be in the action's trace, under its span.
	steps := map[string][]tracetest.SpanStub{
		"the record created before the blob": find(spans, "ledger.Create", otel.MediaSIDKey.String(sid)),
		"the file stored":                    find(spans, "storage.Put", otel.StorageKeyKey.String("media/"+sid)),
		"the file recorded as sent":          find(spans, "ledger.Apply"),
		"the thumbnail stored":               find(spans, "storage.Put", otel.StorageKeyKey.String("renditions/"+sid+"/"+preview.ThumbnailName)),
		"the preview stored":                 find(spans, "storage.Put", otel.StorageKeyKey.String("renditions/"+sid+"/"+preview.PreviewName)),
	}
	for what, found := range steps {
		require.NotEmpty(t, found, "no span for %s", what)
		under := false
		for _, s := range found {
			assert.Equal(t, action.SpanContext.TraceID(), s.SpanContext.TraceID(), "%s is in another trace", what)
			under = under || tree.under(s, action.SpanContext.SpanID())
		}
		assert.True(t, under, "%s is not under the action's span", what)
	}
}

// Spans name no member and no file unless the host opts in; with the
// opt-ins and Describe, the action's span names both.
func TestNoPersonalDataUnlessOptedIn(t *testing.T) {
	const identity, fileName = "alice.example@acme.test", "medical-report-alice.png"
	for _, optIn := range []bool{false, true} {
		t.Run(map[bool]string{false: "default", true: "opted-in"}[optIn], func(t *testing.T) {
			tr, exp := newTracing(t, optIn, optIn)
			host := tracedHost(t, tr)
			require.NoError(t, host.Members.SetRole(context.Background(), attachmentstest.Channel, identity, attachments.RoleCustomer))
			remove, err := tr.Describe(host.Client)
			require.NoError(t, err)
			t.Cleanup(remove)
			previews, err := preview.Attach(host.Client, preview.NewGoRenderer(nil), nil)
			require.NoError(t, err)
			url := serve(t, tr, host)

			sid := upload(t, url, identity, fileName, pngBytes(t))
			require.NoError(t, previews.Close(context.Background()))

			var personal []string
			for _, s := range exp.GetSpans() {
				texts := []string{s.Name, s.Status.Description}
				for _, a := range s.Attributes {
					texts = append(texts, a.Value.Emit())
				}
				for _, e := range s.Events {
					for _, a := range e.Attributes {
						texts = append(texts, a.Value.Emit())
					}
				}
				for _, text := range texts {
					if strings.Contains(text, identity) || strings.Contains(text, "medical-report") {
						personal = append(personal, s.Name+": "+text)
					}
				}
			}
			action := find(exp.GetSpans(), "SendMediaMessage")
			require.Len(t, action, 1)
			assert.True(t, hasAll(action[0].Attributes, []attribute.KeyValue{otel.MediaSIDsKey.StringSlice([]string{sid})}),
				"Describe adds the media SIDs the action touched: %v", action[0].Attributes)
			if !optIn {
				assert.Empty(t, personal, "a span names a member or a file the host did not opt in to")
				return
			}
			assert.NotEmpty(t, personal, "the scan for personal data finds the opted-in attributes")
			assert.True(t, hasAll(action[0].Attributes, []attribute.KeyValue{
				otel.ActorKey.String(identity), otel.FileNamesKey.StringSlice([]string{fileName}),
			}), "the opted-in action span names its actor and file: %v", action[0].Attributes)
		})
	}
}

// Each route's requests get a span named for the route, a tus request's
// included; a path no route serves is named for the handler's catch-all.
func TestRouteSpans(t *testing.T) {
	tr, exp := newTracing(t, false, false)
	host := tracedHost(t, tr)
	url := serve(t, tr, host)
	requests := []struct{ method, path, span string }{
		{http.MethodDelete, "channels/CH1/messages/IMnone", "DELETE " + httpapi.DefaultPath + "channels/{channel}/messages/{message}"},
		{http.MethodGet, "channels/CH1/media/MEnone/link", "GET " + httpapi.DefaultPath + "channels/{channel}/media/{media}/link"},
		{http.MethodHead, "uploads/none", "HEAD " + httpapi.DefaultPath + "uploads/{id}"},
		{http.MethodGet, "nowhere", httpapi.DefaultPath},
	}
	for _, r := range requests {
		req, err := http.NewRequest(r.method, url+httpapi.DefaultPath+r.path, nil)
		require.NoError(t, err)
		req.Header.Set("X-User", host.Customer.Identity)
		req.Header.Set("Tus-Resumable", "1.0.0")
		res, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		_ = res.Body.Close()
		assert.Len(t, find(exp.GetSpans(), r.span), 1, "%s %s: no span named %q", r.method, r.path, r.span)
	}
}
