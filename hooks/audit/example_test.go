package audit_test

import (
	"context"
	"log/slog"
	"os"

	"github.com/attachkit/attachments/hooks/audit"
	"github.com/attachkit/attachments/internal/hookstest"
)

// Audit every action in one line. The log says what happened to which file,
// never who sent it, nor its name.
func ExampleInstall() {
	f, _ := hookstest.Open()
	defer f.Close()

	logger := slog.New(slog.NewTextHandler(os.Stdout, &slog.HandlerOptions{
		ReplaceAttr: func(groups []string, a slog.Attr) slog.Attr {
			// Times and SIDs change from run to run; leave them out here.
			if a.Key == slog.TimeKey || a.Key == "sid" || a.Key == "message" {
				return slog.Attr{}
			}
			return a
		},
	}))
	remove, err := audit.Install(f.Client, logger, nil)
	if err != nil {
		panic(err)
	}
	defer remove()

	ctx := context.Background()
	_, _ = f.Send(ctx, f.Customer, "passport.png", hookstest.PNG(2, 2))
	_, _ = f.Send(ctx, f.Customer, "passport.png", []byte("MZ\x90\x00 an executable"))
	// Output:
	// level=INFO msg="attachments audit" action=SendMediaMessage code=ok side=customer media.0.type=image/png media.0.size=75
	// level=WARN msg="attachments audit" action=SendMediaMessage code=type_mismatch side=customer
}
