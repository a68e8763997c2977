package preview

import "github.com/attachkit/attachments/errs"

// errUnsupported is the error for a file that is not an image a renderer
// can make a preview of.
func errUnsupported(op string) error {
	return &errs.Error{Code: errs.Unsupported, Op: op, Message: "this type of image has no preview"}
}
