package httpapi

import (
	"io"
	"net/http"
	"strconv"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/attachkit/attachments/errs"
)

// metrics are the Handler's Prometheus metrics, all named attachments_*.
type metrics struct {
	uploads     *prometheus.CounterVec   // kind, outcome ("ok" or a code)
	refusals    *prometheus.CounterVec   // code
	bytesIn     prometheus.Counter       // upload bytes read from clients
	bytesOut    prometheus.Counter       // file bytes served through links
	duration    *prometheus.HistogramVec // kind
	active      prometheus.Gauge
	linksIssued prometheus.Counter
	linksServed *prometheus.CounterVec // status
	handler     http.Handler           // serves the registry, when it can be gathered
}

// The kinds of upload, a label of the upload metrics.
const (
	kindMultipart = "multipart"
	kindTus       = "tus"
)

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	var g prometheus.Gatherer
	if reg == nil {
		r := prometheus.NewRegistry()
		reg, g = r, r
	} else if gg, ok := reg.(prometheus.Gatherer); ok {
		g = gg
	}
	m := &metrics{
		uploads: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "attachments_uploads_total",
			Help: "Uploads finished, by kind (multipart, tus) and outcome (ok, or the refusal's error code)."},
			[]string{"kind", "outcome"}),
		refusals: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "attachments_refusals_total",
			Help: "Requests refused, by error code."}, []string{"code"}),
		bytesIn: prometheus.NewCounter(prometheus.CounterOpts{Name: "attachments_upload_bytes_total",
			Help: "Bytes of uploads read from clients."}),
		bytesOut: prometheus.NewCounter(prometheus.CounterOpts{Name: "attachments_download_bytes_total",
			Help: "Bytes of files served through download links."}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "attachments_upload_duration_seconds",
			Help:    "How long an upload request took, from its first byte to its answer, by kind.",
			Buckets: prometheus.ExponentialBuckets(0.005, 4, 10)}, []string{"kind"}),
		active: prometheus.NewGauge(prometheus.GaugeOpts{Name: "attachments_active_uploads",
			Help: "Uploads in flight."}),
		linksIssued: prometheus.NewCounter(prometheus.CounterOpts{Name: "attachments_links_issued_total",
			Help: "Download links minted."}),
		linksServed: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "attachments_links_served_total",
			Help: "Requests to download links, by HTTP status."}, []string{"status"}),
	}
	for _, c := range []prometheus.Collector{m.uploads, m.refusals, m.bytesIn, m.bytesOut, m.duration, m.active, m.linksIssued, m.linksServed} {
		if err := reg.Register(c); err != nil {
			return nil, &errs.Error{Code: errs.InvalidArgument, Op: "httpapi metrics", Message: "the metrics could not be registered", Err: err}
		}
	}
	if g != nil {
		m.handler = promhttp.HandlerFor(g, promhttp.HandlerOpts{})
	} else {
		m.handler = http.NotFoundHandler()
	}
	return m, nil
}

// refused counts a refusal.
func (m *metrics) refused(code errs.Code) { m.refusals.WithLabelValues(string(code)).Inc() }

// uploaded counts an upload's outcome.
func (m *metrics) uploaded(kind string, err error) {
	outcome := "ok"
	if err != nil {
		outcome = string(errs.CodeOf(err))
	}
	m.uploads.WithLabelValues(kind, outcome).Inc()
}

// countingWriter counts the bytes and the status a links response carries.
// It keeps the ResponseWriter's io.ReaderFrom, so a file still goes out
// with sendfile.
type countingWriter struct {
	http.ResponseWriter
	status int
	n      int64
}

func (w *countingWriter) WriteHeader(status int) {
	if w.status == 0 {
		w.status = status
	}
	w.ResponseWriter.WriteHeader(status)
}

func (w *countingWriter) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(p)
	w.n += int64(n)
	return n, err
}

// ReadFrom implements io.ReaderFrom.
func (w *countingWriter) ReadFrom(r io.Reader) (int64, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	var n int64
	var err error
	if rf, ok := w.ResponseWriter.(io.ReaderFrom); ok {
		n, err = rf.ReadFrom(r)
	} else {
		n, err = io.Copy(w.ResponseWriter, r)
	}
	w.n += n
	return n, err
}

// Unwrap lets http.ResponseController reach the connection.
func (w *countingWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// countLinks wraps the links handler with the links_served and
// download_bytes metrics.
func (m *metrics) countLinks(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		cw := &countingWriter{ResponseWriter: w}
		next.ServeHTTP(cw, r)
		status := cw.status
		if status == 0 {
			status = http.StatusOK
		}
		m.linksServed.WithLabelValues(strconv.Itoa(status)).Inc()
		m.bytesOut.Add(float64(cw.n))
	})
}
