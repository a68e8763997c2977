package attachments_test

import (
	"fmt"

	"github.com/attachkit/attachments"
)

// The policy of a customer in a WhatsApp channel: the side's 10 MiB and
// default list, narrowed to what WhatsApp carries.
func ExampleConfig_PolicyIn() {
	cfg := attachments.DefaultConfig()
	p, err := cfg.PolicyIn(attachments.SideCustomer, attachments.ChannelWhatsApp)
	if err != nil {
		panic(err)
	}
	fmt.Println("files:", p.SizeLimit(), "pictures:", p.SizeLimitFor("image/png"))
	fmt.Println(p.Extensions())
	// Output:
	// files: 10485760 pictures: 5242880
	// [jpg png amr mp3 mp4 pdf]
}
