package validate

import (
	"strings"

	"github.com/attachkit/attachments/errs"
)

// maxExtensionLen is the longest extension NormalizeExtension accepts.
const maxExtensionLen = 16

// canonical returns the canonical spelling of a lower-case extension: the
// other spellings of a format (its aliases) map to one of them.
func canonical(e string) string {
	switch e {
	case "jpeg", "jpe", "jfif":
		return "jpg"
	case "tiff":
		return "tif"
	case "heif":
		return "heic"
	case "htm":
		return "html"
	case "mpeg":
		return "mpg"
	case "midi":
		return "mid"
	case "aiff":
		return "aif"
	case "yml":
		return "yaml"
	case "text":
		return "txt"
	}
	return e
}

// NormalizeExtension returns the canonical form of a file extension, as the
// allow-list compares it: lower case, without a leading dot, with an alias
// replaced by its canonical spelling (jpeg → jpg, tiff → tif, htm → html, …).
//
// It returns an *errs.Error with code errs.InvalidArgument when s is empty,
// longer than 16 characters, or holds anything but ASCII letters, digits, '-',
// '_' and '+' (a second dot, a space, a path separator), so that config loading
// can reject a bad entry instead of ignoring it.
func NormalizeExtension(s string) (string, error) {
	e := strings.TrimPrefix(s, ".")
	if e == "" || len(e) > maxExtensionLen {
		return "", &errs.Error{Code: errs.InvalidArgument, Op: "validate", Message: "a file extension must have 1 to 16 characters"}
	}
	upper := false
	for i := 0; i < len(e); i++ {
		c := e[i]
		switch {
		case 'a' <= c && c <= 'z', '0' <= c && c <= '9', c == '-', c == '_', c == '+':
		case 'A' <= c && c <= 'Z':
			upper = true
		default:
			return "", &errs.Error{Code: errs.InvalidArgument, Op: "validate", Message: "a file extension may hold only letters, digits, '-', '_' and '+'"}
		}
	}
	if upper {
		e = strings.ToLower(e)
	}
	return canonical(e), nil
}

// SameExtension reports whether a and b name the same format: equal once
// normalised, or aliases such as "JPG" and ".jpeg". Malformed extensions are
// never the same as anything.
func SameExtension(a, b string) bool {
	na, err := NormalizeExtension(a)
	if err != nil {
		return false
	}
	nb, err := NormalizeExtension(b)
	return err == nil && na == nb
}

// splitExtension returns the extension of a sanitised file name as written
// (without its dot, case kept) and the inner extensions before it: for
// "a.tar.gz" it returns "gz" and ["tar"]. The first dot-separated segment is
// the stem, never an extension.
func splitExtension(name string) (ext string, inner string) {
	i := strings.LastIndexByte(name, '.')
	if i <= 0 {
		return "", ""
	}
	stem := name[:i]
	if j := strings.IndexByte(stem, '.'); j > 0 {
		inner = stem[j+1:]
	}
	return name[i+1:], inner
}

// dangerousExtensions are the extensions of executables, installers and
// scripts that an operating system or a web server runs when the file is
// opened. A file named with one is refused unless Policy.AllowDangerous.
var dangerousExtensions = map[string]bool{
	// Windows executables, libraries, installers and shortcuts.
	"exe": true, "dll": true, "com": true, "scr": true, "pif": true, "cpl": true,
	"msi": true, "msp": true, "mst": true, "msc": true, "lnk": true, "reg": true,
	"inf": true, "scf": true, "gadget": true, "appx": true, "msix": true,
	"appxbundle": true, "msixbundle": true, "sys": true, "drv": true, "ocx": true,
	// Windows scripts.
	"bat": true, "cmd": true, "ps1": true, "psm1": true, "vbs": true, "vbe": true,
	"js": true, "jse": true, "wsf": true, "wsh": true, "wsc": true, "hta": true,
	// Unix and macOS executables and scripts.
	"sh": true, "bash": true, "zsh": true, "csh": true, "ksh": true,
	"command": true, "app": true, "run": true, "elf": true, "so": true,
	"dylib": true, "deb": true, "rpm": true, "pkg": true,
	// Cross-platform packages and bytecode.
	"jar": true, "class": true, "apk": true, "dex": true, "dey": true, "xap": true,
	"wasm": true, "macho": true, "crx": true, "swf": true,
	// Server-side scripts, run by a misconfigured web server whatever follows.
	"php": true, "php3": true, "php4": true, "php5": true, "php7": true,
	"phtml": true, "phar": true, "asp": true, "aspx": true, "jsp": true, "cgi": true,
}

// hiddenExtensions are the dangerous extensions refused also when they hide
// inside a name ("photo.php.jpg", "invoice.exe.pdf"). Those that are common
// words or domains in ordinary names ("example.com.pdf", "chart.js.txt") are
// left out: only the final extension decides for them.
var hiddenExtensions = map[string]bool{
	"exe": true, "dll": true, "scr": true, "pif": true, "cpl": true, "msi": true,
	"lnk": true, "bat": true, "cmd": true, "ps1": true, "vbs": true, "vbe": true,
	"jse": true, "wsf": true, "hta": true, "jar": true, "apk": true,
	"php": true, "php3": true, "php4": true, "php5": true, "php7": true,
	"phtml": true, "phar": true, "asp": true, "aspx": true, "jsp": true, "cgi": true,
}

// IsDangerousExtension reports whether ext (in any case, with or without its
// dot, or an alias) is the extension of an executable or a script: such files
// are refused whatever the allow-list says unless Policy.AllowDangerous.
func IsDangerousExtension(ext string) bool {
	e, err := NormalizeExtension(ext)
	return err == nil && dangerousExtensions[e]
}

// hiddenDangerous returns the first dangerous extension among the inner,
// dot-separated segments of a name ("pdf.exe" → "exe"), or "".
func hiddenDangerous(inner string) string {
	for inner != "" {
		seg := inner
		if i := strings.IndexByte(inner, '.'); i >= 0 {
			seg, inner = inner[:i], inner[i+1:]
		} else {
			inner = ""
		}
		if e, err := NormalizeExtension(seg); err == nil && hiddenExtensions[e] {
			return e
		}
	}
	return ""
}
