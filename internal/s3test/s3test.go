// Package s3test starts versitygw, a real S3 server, for the tests and
// benchmarks of the gocloud storage driver and of the examples that run on
// S3.
//
// It is test plumbing, not API: a module of its own under the root's
// internal directory, so that every module of the repository can reach it
// and none but those that test against S3 requires the AWS SDK for it.
//
// Start runs versitygw on 127.0.0.1 with its posix backend in a temporary
// directory and stops it when the test ends. The binary is looked up on PATH,
// then in $GOBIN and $GOPATH/bin; install it with
//
//	go install github.com/versity/versitygw/cmd/versitygw@v1.8.0
//
// (scripts/deps.sh does). Without it a test fails when the environment
// variable CI is "true" and is skipped otherwise.
package s3test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"go/build"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"gocloud.dev/blob"
	"gocloud.dev/blob/s3blob"
)

// The fixed credentials and region of the servers Start runs.
const (
	AccessKey = "attachkit-test"
	SecretKey = "attachkit-test-secret"
	Region    = "us-east-1"
)

// Server is a running versitygw.
type Server struct {
	// Endpoint is its base URL, "http://127.0.0.1:PORT".
	Endpoint string
	// Dir is the directory its posix backend keeps buckets in.
	Dir string

	buckets atomic.Int64
}

// Start starts versitygw and stops it when t ends.
func Start(t testing.TB) *Server {
	t.Helper()
	bin, err := binary()
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("s3test: %v (scripts/deps.sh installs it)", err)
		}
		t.Skipf("s3test: %v; install it with: go install github.com/versity/versitygw/cmd/versitygw@v1.8.0", err)
	}
	dir := t.TempDir()
	// A free port can be taken between finding and binding it: try again.
	for attempt := 1; ; attempt++ {
		s, err := start(t, bin, dir)
		if err == nil {
			return s
		}
		if attempt == 3 {
			t.Fatalf("s3test: %v", err)
		}
	}
}

// binary finds the versitygw executable.
func binary() (string, error) {
	if p, err := exec.LookPath("versitygw"); err == nil {
		return p, nil
	}
	dirs := []string{os.Getenv("GOBIN")}
	for _, p := range filepath.SplitList(build.Default.GOPATH) {
		dirs = append(dirs, filepath.Join(p, "bin"))
	}
	for _, d := range dirs {
		if d == "" {
			continue
		}
		p := filepath.Join(d, "versitygw")
		if fi, err := os.Stat(p); err == nil && !fi.IsDir() {
			return p, nil
		}
	}
	return "", errors.New("versitygw not found on PATH, in $GOBIN or in $GOPATH/bin")
}

func start(t testing.TB, bin, dir string) (*Server, error) {
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	var out syncBuffer
	cmd := exec.Command(bin, "--port", addr, "--access", AccessKey, "--secret", SecretKey,
		"--region", Region, "--quiet", "posix", dir)
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start versitygw: %w", err)
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	stop := func() {
		_ = cmd.Process.Signal(os.Interrupt)
		select {
		case <-exited:
		case <-time.After(5 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
		}
	}
	s := &Server{Endpoint: "http://" + addr, Dir: dir}
	deadline := time.Now().Add(30 * time.Second)
	for {
		select {
		case <-exited:
			return nil, fmt.Errorf("versitygw exited at start: %s", out.String())
		default:
		}
		if resp, err := http.Get(s.Endpoint + "/"); err == nil {
			_ = resp.Body.Close() // any answer (403: unsigned) means it serves
			t.Cleanup(stop)
			return s, nil
		}
		if time.Now().After(deadline) {
			stop()
			return nil, fmt.Errorf("versitygw did not answer on %s within 30s: %s", addr, out.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func freeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

// syncBuffer is the server's output, kept for error messages.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.b.Len() > 1<<20 {
		return len(p), nil // enough to tell what went wrong
	}
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return strings.TrimSpace(b.b.String())
}

// Client returns an S3 client of the server with the fixed credentials.
func (s *Server) Client() *s3.Client {
	return s.ClientWith(AccessKey, SecretKey)
}

// ClientWith returns an S3 client of the server with the given credentials.
func (s *Server) ClientWith(accessKey, secretKey string) *s3.Client {
	return s3.New(s3.Options{
		Region:       Region,
		Credentials:  credentials.NewStaticCredentialsProvider(accessKey, secretKey, ""),
		BaseEndpoint: aws.String(s.Endpoint),
		UsePathStyle: true,
	})
}

// CreateBucket creates a new, empty bucket and returns its name.
func (s *Server) CreateBucket(t testing.TB) string {
	t.Helper()
	name := fmt.Sprintf("attachkit-%d", s.buckets.Add(1))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := s.Client().CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(name)}); err != nil {
		t.Fatalf("s3test: create bucket %s: %v", name, err)
	}
	return name
}

// OpenBucket opens bucket with gocloud's s3blob and the given client.
func (s *Server) OpenBucket(t testing.TB, client *s3.Client, bucket string) *blob.Bucket {
	t.Helper()
	b, err := s3blob.OpenBucket(context.Background(), client, bucket, nil)
	if err != nil {
		t.Fatalf("s3test: open bucket %s: %v", bucket, err)
	}
	return b
}

// URL returns the gocloud URL of bucket on the server; the credentials come
// from the environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY).
func (s *Server) URL(bucket string) string {
	return "s3://" + bucket + "?region=" + Region + "&endpoint=" + s.Endpoint + "&use_path_style=true"
}

// Objects lists the keys of bucket's objects, as the server names them.
func (s *Server) Objects(ctx context.Context, bucket string) ([]string, error) {
	var keys []string
	objs := s3.NewListObjectsV2Paginator(s.Client(), &s3.ListObjectsV2Input{Bucket: aws.String(bucket)})
	for objs.HasMorePages() {
		p, err := objs.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		for _, o := range p.Contents {
			keys = append(keys, aws.ToString(o.Key))
		}
	}
	return keys, nil
}

// PendingUploads lists bucket's multipart uploads that were started and
// neither completed nor aborted, as "upload KEY ID".
func (s *Server) PendingUploads(ctx context.Context, bucket string) ([]string, error) {
	var out []string
	in := &s3.ListMultipartUploadsInput{Bucket: aws.String(bucket)}
	for {
		p, err := s.Client().ListMultipartUploads(ctx, in)
		if err != nil {
			return nil, err
		}
		for _, u := range p.Uploads {
			out = append(out, "upload "+aws.ToString(u.Key)+" "+aws.ToString(u.UploadId))
		}
		if !aws.ToBool(p.IsTruncated) {
			return out, nil
		}
		in.KeyMarker, in.UploadIdMarker = p.NextKeyMarker, p.NextUploadIdMarker
	}
}
