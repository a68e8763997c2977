package memory_test

import (
	"testing"

	"github.com/attachkit/attachments/ledger"
	"github.com/attachkit/attachments/ledger/ledgertest"
	"github.com/attachkit/attachments/ledger/memory"
)

func harness() ledgertest.Harness {
	return ledgertest.Harness{New: func(testing.TB) ledger.Ledger { return memory.New() }}
}

func TestConformance(t *testing.T) { ledgertest.RunConformanceTests(t, harness()) }

func BenchmarkLedger(b *testing.B) { ledgertest.RunBenchmarks(b, harness()) }
