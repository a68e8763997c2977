package gocloud_test

import (
	"context"
	"io"
	"path/filepath"
	"strings"
	"testing"

	_ "gocloud.dev/blob/s3blob" // s3:// URLs

	"github.com/attachkit/attachments/errs"
	"github.com/attachkit/attachments/internal/s3test"
	"github.com/attachkit/attachments/storage"
	"github.com/attachkit/attachments/storage/gocloud"
	s3store "github.com/attachkit/attachments/storage/gocloud/s3"
)

// awsEnv makes the AWS SDK take its credentials from the environment only.
func awsEnv(t *testing.T, accessKey, secretKey string) {
	nowhere := filepath.Join(t.TempDir(), "none")
	t.Setenv("AWS_CONFIG_FILE", nowhere)
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", nowhere)
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	t.Setenv("AWS_ACCESS_KEY_ID", accessKey)
	t.Setenv("AWS_SECRET_ACCESS_KEY", secretKey)
}

// TestOpen: a host opens an s3:// URL with an endpoint and path-style
// addressing; a URL that cannot work is refused at once with a clear
// errs.InvalidConfig error.
func TestOpen(t *testing.T) {
	srv := s3test.Start(t)
	bucket := srv.CreateBucket(t)
	ctx := context.Background()

	t.Run("only through package s3", func(t *testing.T) {
		// gocloud.Open alone would upload without S3's abort rules.
		awsEnv(t, s3test.AccessKey, s3test.SecretKey)
		_, err := gocloud.Open(ctx, srv.URL(bucket), nil)
		if e := errs.As(err); e == nil || e.Code != errs.InvalidConfig || !strings.Contains(e.Text(), "storage/gocloud/s3") {
			t.Errorf("gocloud.Open(s3://…) = %v, want an errs.InvalidConfig naming storage/gocloud/s3", err)
		}
	})

	t.Run("works", func(t *testing.T) {
		awsEnv(t, s3test.AccessKey, s3test.SecretKey)
		b, err := s3store.Open(ctx, srv.URL(bucket), nil)
		if err != nil {
			t.Fatal(err)
		}
		defer b.Close()
		if _, err := b.Put(ctx, "k", strings.NewReader("hello"), storage.Metadata{}); err != nil {
			t.Fatal(err)
		}
		rc, _, err := b.Get(ctx, "k", nil)
		if err != nil {
			t.Fatal(err)
		}
		defer rc.Close()
		if got, _ := io.ReadAll(rc); string(got) != "hello" {
			t.Errorf("Get = %q, want %q", got, "hello")
		}
	})

	tests := []struct {
		name               string
		url                string
		accessKey, secret  string
		wantMessageContain string
	}{
		{"wrong secret", srv.URL(bucket), s3test.AccessKey, "not-the-secret", "credentials"},
		{"unknown access key", srv.URL(bucket), "nobody", s3test.SecretKey, "credentials"},
		{"missing bucket", srv.URL("no-such-bucket"), s3test.AccessKey, s3test.SecretKey, "does not exist"},
		{"unknown scheme", "nope://bucket?token=hunter2", s3test.AccessKey, "hunter2", "cannot be opened"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			awsEnv(t, tt.accessKey, tt.secret)
			b, err := s3store.Open(ctx, tt.url, nil)
			if err == nil {
				b.Close()
				t.Fatal("Open succeeded, want an error")
			}
			e := errs.As(err)
			if e == nil || e.Code != errs.InvalidConfig || !strings.Contains(e.Text(), tt.wantMessageContain) {
				t.Errorf("Open error = %v, want an errs.InvalidConfig saying %q", err, tt.wantMessageContain)
			}
			if strings.Contains(err.Error(), tt.secret) {
				t.Errorf("Open error %q shows the secret %q", err, tt.secret)
			}
		})
	}
}

// TestWrongCredentials: every operation of a bucket whose credentials the
// server refuses fails with errs.InvalidConfig, never errs.NotFound or an
// empty listing.
func TestWrongCredentials(t *testing.T) {
	srv := s3test.Start(t)
	good := newS3Bucket(t, srv, nil)
	ctx := context.Background()
	if _, err := good.Put(ctx, "k", strings.NewReader("hello"), storage.Metadata{}); err != nil {
		t.Fatal(err)
	}
	bad := s3store.New(srv.OpenBucket(t, srv.ClientWith(s3test.AccessKey, "not-the-secret"), good.name), nil)
	defer bad.Close()
	ops := []struct {
		name string
		do   func() error
	}{
		{"put", func() error {
			_, err := bad.Put(ctx, "k2", strings.NewReader("x"), storage.Metadata{})
			return err
		}},
		{"get", func() error {
			_, _, err := bad.Get(ctx, "k", nil)
			return err
		}},
		{"stat", func() error { _, err := bad.Stat(ctx, "k"); return err }},
		{"stat missing", func() error { _, err := bad.Stat(ctx, "missing"); return err }},
		{"delete", func() error { return bad.Delete(ctx, "k") }},
		{"list", func() error { _, err := bad.ListPage(ctx, "", "", 10); return err }},
	}
	for _, op := range ops {
		t.Run(op.name, func(t *testing.T) {
			err := op.do()
			if got := errs.CodeOf(err); got != errs.InvalidConfig {
				t.Errorf("%s error = %v (code %q), want %q", op.name, err, got, errs.InvalidConfig)
			}
		})
	}
	if got := good.residue(t); len(got) != 1 || got[0] != "k" {
		t.Errorf("bucket holds %q, want only k: the refused calls changed nothing", got)
	}
}
