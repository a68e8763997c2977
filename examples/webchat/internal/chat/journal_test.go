package chat_test

import (
	"bytes"
	"net/http"
	"strings"
	"testing"
)

// journalPage is the page's view of GET /api/supervisor/journal.
type journalPage struct {
	Entries []struct {
		Action     string   `json:"action"`
		ActorName  string   `json:"actorName"`
		TargetName string   `json:"targetName"`
		MessageSID string   `json:"messageSid"`
		FileNames  []string `json:"fileNames"`
		OK         bool     `json:"ok"`
		Code       string   `json:"code"`
		Message    string   `json:"message"`
	} `json:"entries"`
}

func (d *demo) journal(t *testing.T) journalPage {
	t.Helper()
	var j journalPage
	if status, rep := d.do(t, http.MethodGet, "/api/supervisor/journal", nil, "", &j); status != http.StatusOK {
		t.Fatalf("journal: %d %+v", status, rep)
	}
	return j
}

// count returns how many entries of the journal are of action.
func (j journalPage) count(action string) int {
	n := 0
	for _, e := range j.Entries {
		if e.Action == action {
			n++
		}
	}
	return n
}

// TestJournalAndPreviews checks the audit trail the page shows: it is the
// library's journal, it names what each action touched, it outlives a
// restart, and a picture shown as a thumbnail again and again is no
// download at all.
func TestJournalAndPreviews(t *testing.T) {
	dir := t.TempDir()
	d := openDemo(t, dir, nil)
	pic := pngBytes(t)
	var att attachReply
	if status, rep := d.upload(t, lib("customer", "draft/files"), "photo.png", "image/png", pic, &att); status != http.StatusCreated {
		t.Fatalf("attach: %d %+v", status, rep)
	}
	var sent message
	if status, rep := d.postJSON(t, lib("customer", "draft/send"), map[string]string{"text": ""}, sentTo(&sent)); status != http.StatusCreated {
		t.Fatalf("send draft: %d %+v", status, rep)
	}

	thumb := "/api/agent/media/" + att.Preview.MediaSID + "/renditions/thumbnail?message=" + sent.SID
	for range 2 {
		var l struct{ URL string }
		if status, rep := d.do(t, http.MethodGet, thumb, nil, "", &l); status != http.StatusOK {
			t.Fatalf("thumbnail: %d %+v", status, rep)
		}
		status, hdr, body := d.fetch(t, l.URL)
		if status != http.StatusOK || bytes.Equal(body, pic) || !strings.HasPrefix(hdr.Get("Content-Type"), "image/") {
			t.Errorf("the thumbnail link answered %d %s with %d bytes, want a rendition, not the original", status, hdr.Get("Content-Type"), len(body))
		}
	}
	if n := d.journal(t).count("DownloadMedia"); n != 0 {
		t.Errorf("the journal holds %d DownloadMedia entries after two thumbnails, want none: showing a picture is not a download", n)
	}
	if _, status, rep := d.link(t, "agent", sent.SID, att.Preview.MediaSID, "attachment"); status != http.StatusOK {
		t.Fatalf("download: %d %+v", status, rep)
	}
	if n := d.journal(t).count("DownloadMedia"); n != 1 {
		t.Errorf("the journal holds %d DownloadMedia entries after one download, want 1", n)
	}

	if status, rep := d.postJSON(t, "/api/agent/block", map[string]string{"identity": "casey", "mode": "files"}, nil); status != http.StatusOK {
		t.Fatalf("block: %d %+v", status, rep)
	}
	var del struct {
		Deleted *bool `json:"deleted"`
	}
	if status, rep := d.do(t, http.MethodDelete, lib("agent", "messages/"+sent.SID), nil, "", &del); status != http.StatusOK || del.Deleted == nil || !*del.Deleted {
		t.Fatalf("delete: %d %+v, reply %+v; want {\"deleted\": true}", status, rep, del)
	}

	d.close(t)
	d = openDemo(t, dir, nil)
	j := d.journal(t)
	if len(j.Entries) < 4 {
		t.Fatalf("after a restart the journal holds %d entries, want the 4 actions at least", len(j.Entries))
	}
	del0, block := j.Entries[0], j.Entries[1]
	if del0.Action != "DeleteMessage" || del0.MessageSID != sent.SID || len(del0.FileNames) != 1 || del0.FileNames[0] != "photo.png" {
		t.Errorf("newest entry = %+v, want the DeleteMessage of %s naming photo.png", del0, sent.SID)
	}
	if block.Action != "BlockMember" || block.TargetName != "Casey Morgan" || block.ActorName != "Alex Rivera" {
		t.Errorf("second entry = %+v, want Alex Rivera blocking Casey Morgan", block)
	}
	if status, _ := d.do(t, http.MethodGet, "/api/customer/journal", nil, "", nil); status != http.StatusForbidden {
		t.Errorf("the customer's journal request answered %d, want 403", status)
	}
}
