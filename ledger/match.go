package ledger

import "slices"

// Holds reports whether change c's conditions hold for r. Drivers that
// evaluate changes in Go (rather than in a query) use it, so every driver
// means the same by each condition.
func Holds(c Change, r Record) bool {
	return slices.Contains(c.From, r.State) &&
		(c.Owner == "" || c.Owner == r.Owner) &&
		(c.Channel == "" || c.Channel == r.Channel) &&
		(c.MessageSID == "" || c.MessageSID == r.MessageSID) &&
		(c.UpdatedBefore.IsZero() || r.Updated.Before(c.UpdatedBefore))
}

// Changed returns r as change c leaves it.
func Changed(c Change, r Record) Record {
	if c.To != "" {
		r.State = c.To
	}
	if c.SetMessageSID != "" {
		r.MessageSID = c.SetMessageSID
	}
	if c.Size > 0 {
		r.Size = c.Size
	}
	if c.SHA256 != "" {
		r.SHA256 = c.SHA256
	}
	r.Renditions = EditRenditions(c, r.Renditions)
	r.Updated = c.Now
	return r
}

// Selects reports whether q selects r.
func Selects(q Query, r Record) bool {
	return (q.Owner == "" || q.Owner == r.Owner) &&
		(q.Channel == "" || q.Channel == r.Channel) &&
		(len(q.States) == 0 || slices.Contains(q.States, r.State)) &&
		(q.MessageSID == "" || q.MessageSID == r.MessageSID) &&
		(q.UpdatedBefore.IsZero() || r.Updated.Before(q.UpdatedBefore)) &&
		r.Seq > q.AfterSeq &&
		r.SID > q.AfterSID
}

// EditRenditions returns list as change c leaves it (c's AddRendition and
// DropRendition), in a new slice when c edits it.
func EditRenditions(c Change, list []Rendition) []Rendition {
	if c.AddRendition == nil && c.DropRendition == "" {
		return list
	}
	list = slices.DeleteFunc(slices.Clone(list), func(rd Rendition) bool {
		return rd.Name == c.DropRendition || (c.AddRendition != nil && rd.Name == c.AddRendition.Name)
	})
	if c.AddRendition != nil {
		list = append(list, *c.AddRendition)
	}
	return list
}
