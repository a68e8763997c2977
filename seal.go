package attachments

// Each built-in action's seal: the fields its guard checked, which neither a
// before-listener nor a replacement calling original may change (see
// guardSeal). The registry compares them after the before-listeners, and
// each implementation checks them against the context, so one method per
// payload says it for both.

func (p SendMessagePayload) seal() guardSeal {
	return guardSeal{p.Channel, p.Sender.Identity, ""}
}

func (p SendMediaMessagePayload) seal() guardSeal {
	return guardSeal{p.Channel, p.Sender.Identity, ""}
}

func (p AttachFilePayload) seal() guardSeal {
	return guardSeal{p.Channel, p.Sender.Identity, ""}
}

func (p DetachFilePayload) seal() guardSeal {
	return guardSeal{p.Channel, p.Sender.Identity, p.MediaSID}
}

func (p DownloadMediaPayload) seal() guardSeal {
	return guardSeal{p.Channel, p.Requester.Identity, p.MessageSID + "/" + p.MediaSID + "/" + p.Rendition}
}

func (p DeleteMessagePayload) seal() guardSeal {
	return guardSeal{p.Channel, p.Requester.Identity, p.MessageSID}
}

func (p BlockMemberPayload) seal() guardSeal {
	return guardSeal{p.Channel, p.Requester.Identity, p.Target}
}

func (p UnblockMemberPayload) seal() guardSeal {
	return guardSeal{p.Channel, p.Requester.Identity, p.Target}
}
