package preview_test

import (
	"bytes"
	"context"
	"fmt"
	"log"
	"log/slog"

	"github.com/attachkit/attachments"
	"github.com/attachkit/attachments/attachmentstest"
	"github.com/attachkit/attachments/preview"
	"github.com/attachkit/attachments/preview/previewtest"
)

// Attach gives every picture a Client's members send a thumbnail and a
// preview, made after the message goes out, on a queue, by a Pool that
// bounds their CPU and memory.
func ExampleAttach() {
	ctx := context.Background()
	members := &attachmentstest.Members{}
	_ = members.SetRole(ctx, "CH1", "casey", attachments.RoleCustomer)
	c, err := attachments.New(attachments.DefaultConfig(), &attachmentstest.Transport{}, members, &attachments.Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close(context.Background())
	previews, err := preview.Attach(c, preview.NewPool(preview.NewGoRenderer(nil), nil), nil)
	if err != nil {
		log.Fatal(err)
	}

	casey := attachments.Member{Identity: "casey"}
	sent, err := attachments.Invoke(ctx, c.Registry(), attachments.SendMediaMessage, attachments.SendMediaMessagePayload{
		Channel: "CH1", Sender: casey,
		File: &attachments.File{Name: "photo.jpg", Body: bytes.NewReader(previewtest.OrientedJPEG(6))},
	})
	if err != nil {
		log.Fatal(err)
	}
	_ = previews.Close(context.Background()) // here, to wait for the queue; a server closes it at shutdown

	dl, err := attachments.Invoke(ctx, c.Registry(), attachments.DownloadMedia, attachments.DownloadMediaPayload{
		Channel: "CH1", Requester: casey, MessageSID: sent.Message.SID, Rendition: preview.ThumbnailName,
	})
	if err != nil {
		log.Fatal(err)
	}
	for _, r := range dl.Media.Renditions {
		fmt.Println(r.Name, r.Width, r.Height, r.ContentType)
	}
	// Output:
	// thumbnail 320 240 image/jpeg
	// preview 640 480 image/jpeg
}
