package validate

// Attached describes a file in a draft as IsDuplicate compares it.
type Attached struct {
	Name string // the sanitised name (Verdict.Name)
	Size int64  // the size in bytes
	Type string // the content type (Verdict.ContentType)
}

// IsDuplicate reports whether f is already attached to a draft that holds
// the files in draft: whether one of them has the same name, size and type,
// the test Flex's webchat makes before it attaches a file. Names are compared
// exactly, as the sanitiser left them.
//
// Compare like with like: sanitised names and sniffed types on both sides.
func IsDuplicate(f Attached, draft []Attached) bool {
	for _, d := range draft {
		if d == f {
			return true
		}
	}
	return false
}
