package gocloud_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"runtime"
	"runtime/metrics"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/s3/transfermanager"

	"github.com/attachkit/attachments/internal/s3test"
	"github.com/attachkit/attachments/storage"
	"github.com/attachkit/attachments/storage/gocloud"
	"github.com/attachkit/attachments/storage/storagetest"
)

const benchSize = 64 << 20

// BenchmarkS3Storage runs the storagetest benchmarks against versitygw.
func BenchmarkS3Storage(b *testing.B) {
	srv := s3test.Start(b)
	storagetest.RunBenchmarks(b, storagetest.Harness{
		New: func(b testing.TB) *storage.Bucket {
			return newS3Bucket(b, srv, nil).Bucket
		},
	})
}

func benchData(b *testing.B) []byte {
	data, err := io.ReadAll(io.LimitReader(newPattern(3), benchSize))
	if err != nil {
		b.Fatal(err)
	}
	return data
}

// BenchmarkS3Put64MiB is a 64 MiB Put through the driver into versitygw.
// Compare it with BenchmarkS3Put64MiBBaseline.
func BenchmarkS3Put64MiB(b *testing.B) {
	bk := newS3Bucket(b, nil, nil)
	data := benchData(b)
	ctx := context.Background()
	b.SetBytes(benchSize)
	for b.Loop() {
		if _, err := bk.Put(ctx, "bench", bytes.NewReader(data), storage.Metadata{ContentType: "video/mp4"}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkS3Put64MiBBaseline uploads the same bytes with the AWS SDK's
// transfer manager directly, with the part size, concurrency and multipart
// threshold the driver uses by default, from a reader whose size the SDK
// can see: the most a Put could hope for.
func BenchmarkS3Put64MiBBaseline(b *testing.B) {
	srv := s3test.Start(b)
	bucket := srv.CreateBucket(b)
	tm := transfermanager.New(srv.Client(), func(o *transfermanager.Options) {
		o.PartSizeBytes = gocloud.DefaultPartSize
		o.MultipartUploadThreshold = gocloud.DefaultPartSize
		o.Concurrency = gocloud.DefaultConcurrency
	})
	data := benchData(b)
	ctx := context.Background()
	b.SetBytes(benchSize)
	for b.Loop() {
		_, err := tm.UploadObject(ctx, &transfermanager.UploadObjectInput{
			Bucket:      aws.String(bucket),
			Key:         aws.String("bench"),
			Body:        bytes.NewReader(data),
			ContentType: aws.String("video/mp4"),
		})
		if err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkS3Put1GiB is a 1 GiB Put streamed from a reader that holds
// nothing, and reports the most the heap grew during it (peak-heap-MiB) for
// a few part sizes and concurrencies.
func BenchmarkS3Put1GiB(b *testing.B) {
	srv := s3test.Start(b)
	for _, o := range []gocloud.Options{
		{PartSize: 5 << 20, Concurrency: 1},
		{PartSize: 5 << 20, Concurrency: 2},
		{PartSize: 5 << 20, Concurrency: 4},
		{PartSize: 16 << 20, Concurrency: 2},
	} {
		b.Run(fmt.Sprintf("part=%dMiB/concurrency=%d", o.PartSize>>20, o.Concurrency), func(b *testing.B) {
			bk := newS3Bucket(b, srv, &o)
			ctx := context.Background()
			b.SetBytes(1 << 30)
			var peak uint64
			for b.Loop() {
				runtime.GC()
				stop := sampleHeap()
				if _, err := bk.Put(ctx, "big", io.LimitReader(newPattern(4), 1<<30), storage.Metadata{}); err != nil {
					b.Fatal(err)
				}
				peak = max(peak, stop())
			}
			b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
		})
	}
}

// sampleHeap samples the heap's live and not yet collected objects every
// millisecond until the returned func is called, which returns the largest
// growth seen over the heap at the start.
func sampleHeap() (stop func() uint64) {
	s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	read := func() uint64 { metrics.Read(s); return s[0].Value.Uint64() }
	base := read()
	done, result := make(chan struct{}), make(chan uint64)
	go func() {
		t := time.NewTicker(time.Millisecond)
		defer t.Stop()
		var peak uint64
		for {
			select {
			case <-t.C:
				peak = max(peak, read())
			case <-done:
				peak = max(peak, read(), base)
				result <- peak - base
				return
			}
		}
	}()
	return func() uint64 { close(done); return <-result }
}
