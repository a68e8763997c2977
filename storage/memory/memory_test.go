package memory_test

import (
	"testing"

	"github.com/attachkit/attachments/storage"
	"github.com/attachkit/attachments/storage/memory"
	"github.com/attachkit/attachments/storage/storagetest"
)

func harness() storagetest.Harness {
	return storagetest.Harness{
		New: func(testing.TB) *storage.Bucket { return memory.New() },
	}
}

func TestConformance(t *testing.T) { storagetest.RunConformanceTests(t, harness()) }

func BenchmarkMemory(b *testing.B) { storagetest.RunBenchmarks(b, harness()) }
