// Command host is what a user of attachkit writes in a program of its own:
// it requires the library's modules at a tagged version and uses each of
// them. TestHostBuildsFromProxy builds it outside the repository through a
// module proxy and runs it; it prints one line per module and "ok" last.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"

	"github.com/attachkit/attachments"
	"github.com/attachkit/attachments/attachmentstest"
	"github.com/attachkit/attachments/httpapi"
	"github.com/attachkit/attachments/ledger/sqlledger/sqlite"
	"github.com/attachkit/attachments/preview"
	"github.com/attachkit/attachments/preview/vips"
	"github.com/attachkit/attachments/storage/gocloud"
	_ "gocloud.dev/blob/fileblob" // file://
)

func main() {
	if err := run(context.Background()); err != nil {
		fmt.Fprintln(os.Stderr, "host:", err)
		os.Exit(1)
	}
	fmt.Println("ok")
}

func run(ctx context.Context) error {
	dir, err := os.MkdirTemp("", "attachkit-host-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)

	// ledger/sqlledger: the single-machine ledger.
	lg, err := sqlite.Open(ctx, filepath.Join(dir, "ledger.db"))
	if err != nil {
		return fmt.Errorf("sqlledger: %w", err)
	}
	defer lg.Close()

	// storage/gocloud: a bucket by URL.
	media := filepath.Join(dir, "media")
	if err := os.Mkdir(media, 0o700); err != nil {
		return err
	}
	bucket, err := gocloud.Open(ctx, "file://"+filepath.ToSlash(media), nil)
	if err != nil {
		return fmt.Errorf("gocloud: %w", err)
	}

	cfg, err := attachments.ParseConfig([]byte(`{"fileAttachment": {"enabled": true, "acceptedExtensions": ["png"]}}`))
	if err != nil {
		return err
	}
	members := &attachmentstest.Members{}
	if err := members.SetRole(ctx, "CH1", "alice", attachments.RoleCustomer); err != nil {
		return err
	}
	chat := &attachmentstest.Transport{}
	c, err := attachments.New(cfg, chat, members, &attachments.Options{Storage: bucket, Ledger: lg})
	if err != nil {
		return fmt.Errorf("attachments: %w", err)
	}
	defer c.Close(ctx)

	// httpapi: a picture sent as a browser would.
	h, err := httpapi.New(c, func(*http.Request) (attachments.Member, error) {
		return attachments.Member{Identity: "alice"}, nil
	}, nil)
	if err != nil {
		return fmt.Errorf("httpapi: %w", err)
	}
	defer h.Close(ctx)
	srv := httptest.NewServer(h)
	defer srv.Close()
	pic := picture()
	sent, err := send(srv.URL+httpapi.DefaultPath+"channels/CH1/messages", "dot.png", pic)
	if err != nil {
		return fmt.Errorf("httpapi: %w", err)
	}
	fmt.Println("httpapi: sent", sent)
	if n := len(chat.Messages("CH1")); n != 1 {
		return fmt.Errorf("the chat holds %d messages, want 1", n)
	}

	// preview and preview/vips: a thumbnail by each renderer.
	lib, err := vips.Start(nil)
	if err != nil {
		return fmt.Errorf("vips: %w", err)
	}
	defer lib.Close()
	for name, r := range map[string]preview.Renderer{"preview": preview.NewGoRenderer(nil), "vips": lib.Renderer(nil)} {
		var thumb bytes.Buffer
		out, err := r.Render(ctx, bytes.NewReader(pic), []preview.Target{{Max: 16, W: &thumb}})
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		fmt.Printf("%s: thumbnail %dx%d\n", name, out[0].Width, out[0].Height)
	}
	return nil
}

// send posts one file to the messages route and returns the media's type
// as the server recorded it.
func send(url, name string, content []byte) (string, error) {
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	if err := mw.WriteField("size", fmt.Sprint(len(content))); err != nil {
		return "", err
	}
	fw, err := mw.CreateFormFile("file", name)
	if err != nil {
		return "", err
	}
	if _, err := fw.Write(content); err != nil {
		return "", err
	}
	if err := mw.Close(); err != nil {
		return "", err
	}
	req, err := http.NewRequest(http.MethodPost, url, &body)
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", err
	}
	defer res.Body.Close()
	var reply struct {
		Message struct {
			Media []struct {
				ContentType string `json:"contentType"`
			} `json:"media"`
		} `json:"message"`
	}
	if err := json.NewDecoder(res.Body).Decode(&reply); err != nil {
		return "", fmt.Errorf("status %d: %w", res.StatusCode, err)
	}
	if res.StatusCode != http.StatusOK && res.StatusCode != http.StatusCreated || len(reply.Message.Media) != 1 {
		return "", fmt.Errorf("status %d, %d media", res.StatusCode, len(reply.Message.Media))
	}
	return reply.Message.Media[0].ContentType, nil
}

// picture is a 64×48 PNG.
func picture() []byte {
	img := image.NewNRGBA(image.Rect(0, 0, 64, 48))
	for i := range img.Pix {
		img.Pix[i] = uint8(i)
	}
	img.Set(0, 0, color.NRGBA{R: 255, A: 255})
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		panic(err)
	}
	return b.Bytes()
}
