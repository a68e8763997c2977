package httpapi_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/attachkit/attachments"
	"github.com/attachkit/attachments/attachmentstest"
	"github.com/attachkit/attachments/errs"
	"github.com/attachkit/attachments/httpapi"
)

func TestMetrics(t *testing.T) {
	e := newEnv(t, nil)
	data := textFile(30000, 11)
	res, body := e.upload(t, customer, msgs, fileForm("m.txt", data))
	require.Equal(t, http.StatusCreated, res.StatusCode, "%s", body)
	var sent httpapi.SentReply
	require.NoError(t, json.Unmarshal(body, &sent))
	res, _ = e.upload(t, customer, msgs, fileForm("m.txt", append([]byte("\x89PNG\r\n\x1a\n"), make([]byte, 64)...)))
	require.Equal(t, http.StatusUnsupportedMediaType, res.StatusCode)
	res, body = e.do(t, agent, "GET", msgs+"/"+sent.Message.SID+"/media/"+sent.Message.Media[0].SID+"/link", nil, "")
	require.Equal(t, http.StatusOK, res.StatusCode)
	var link httpapi.LinkReply
	require.NoError(t, json.Unmarshal(body, &link))
	assert.Len(t, fetch(t, e.url+link.URL), len(data))

	checks := []struct {
		name   string
		labels map[string]string
		want   float64
	}{
		{"attachments_uploads_total", map[string]string{"kind": "multipart", "outcome": "ok"}, 1},
		{"attachments_uploads_total", map[string]string{"kind": "multipart", "outcome": string(errs.TypeMismatch)}, 1},
		{"attachments_refusals_total", map[string]string{"code": string(errs.TypeMismatch)}, 1},
		{"attachments_upload_duration_seconds", map[string]string{"kind": "multipart"}, 2},
		{"attachments_active_uploads", nil, 0},
		{"attachments_links_issued_total", nil, 1},
	}
	// The links handler counts a download once it has sent it, which may
	// be after the client has read it all.
	waitMetric(t, e, "attachments_links_served_total", map[string]string{"status": "200"}, 1)
	waitMetric(t, e, "attachments_download_bytes_total", nil, float64(len(data)))
	for _, c := range checks {
		assert.Equal(t, c.want, metric(t, e, c.name, c.labels), "%s%v", c.name, c.labels)
	}
	assert.GreaterOrEqual(t, metric(t, e, "attachments_upload_bytes_total", nil), float64(len(data)), "upload bytes should count the file")

	res, err := http.Get(e.url + "/metrics")
	require.NoError(t, err)
	text, _ := io.ReadAll(res.Body)
	res.Body.Close()
	assert.Contains(t, string(text), `attachments_uploads_total{kind="multipart",outcome="ok"} 1`, "the metrics endpoint should serve the registry")
}

func TestMetricsRegistration(t *testing.T) {
	c, err := attachments.New(attachments.DefaultConfig(), &attachmentstest.Transport{}, &attachmentstest.Members{}, &attachments.Options{Logger: slog.New(slog.DiscardHandler)})
	require.NoError(t, err)
	defer c.Close(context.Background())
	reg := prometheus.NewRegistry()
	h, err := httpapi.New(c, memberOf, &httpapi.Options{Registerer: reg, SweepInterval: -1})
	require.NoError(t, err)
	defer h.Close(context.Background())
	_, err = httpapi.New(c, memberOf, &httpapi.Options{Registerer: reg, SweepInterval: -1})
	assert.ErrorIs(t, err, errs.InvalidArgument, "a second Handler on one registry should be refused, not panic")
	// Without a registerer each Handler has its own registry.
	h2, err := httpapi.New(c, memberOf, &httpapi.Options{SweepInterval: -1})
	require.NoError(t, err)
	defer h2.Close(context.Background())
	h3, err := httpapi.New(c, memberOf, &httpapi.Options{SweepInterval: -1})
	require.NoError(t, err)
	defer h3.Close(context.Background())
}
