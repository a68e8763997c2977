package validate

import "github.com/h2non/filetype"

// The content types this package sniffs and reports. Types that only
// filetype knows are reported with filetype's own MIME value.
const (
	typeOctetStream = "application/octet-stream"

	typeJPEG = "image/jpeg"
	typePNG  = "image/png"
	typeGIF  = "image/gif"
	typeWebP = "image/webp"
	typeHEIC = "image/heic"
	typeHEIF = "image/heif"
	typeAVIF = "image/avif"
	typeBMP  = "image/bmp"
	typeTIFF = "image/tiff"

	typePDF = "application/pdf"
	typeRTF = "application/rtf"

	typeText     = "text/plain"
	typeCSV      = "text/csv"
	typeJSON     = "application/json"
	typeMarkdown = "text/markdown"
	typeVCard    = "text/vcard"
	typeCalendar = "text/calendar"

	typeHTML = "text/html"
	typeSVG  = "image/svg+xml"
	typeXML  = "application/xml"

	typeMP3  = "audio/mpeg"
	typeM4A  = "audio/mp4"
	typeAAC  = "audio/aac"
	typeAMR  = "audio/amr"
	typeOgg  = "audio/ogg"
	typeWAV  = "audio/wav"
	typeFLAC = "audio/flac"
	typeMP4  = "video/mp4"
	typeMOV  = "video/quicktime"
	type3GP  = "video/3gpp"
	typeWebM = "video/webm"
	typeMKV  = "video/x-matroska"
	typeAVI  = "video/x-msvideo"

	typeZip  = "application/zip"
	typeDocx = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
	typeXlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
	typePptx = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
	typeOdt  = "application/vnd.oasis.opendocument.text"
	typeOds  = "application/vnd.oasis.opendocument.spreadsheet"
	typeOdp  = "application/vnd.oasis.opendocument.presentation"
	typeEpub = "application/epub+zip"
	typeOLE  = "application/x-ole-storage"
	typeDoc  = "application/msword"
	typeXls  = "application/vnd.ms-excel"
	typePpt  = "application/vnd.ms-powerpoint"
	typeMsg  = "application/vnd.ms-outlook"

	typePE      = "application/vnd.microsoft.portable-executable"
	typeELF     = "application/x-executable"
	typeMachO   = "application/x-mach-binary"
	typeMSI     = "application/x-msi"
	typeJar     = "application/java-archive"
	typeClass   = "application/java-vm"
	typeAPK     = "application/vnd.android.package-archive"
	typeDex     = "application/vnd.android.dex"
	typeWasm    = "application/wasm"
	typeLnk     = "application/x-ms-shortcut"
	typeShell   = "text/x-shellscript"
	typeBatch   = "text/x-msdos-batch"
	typeDeb     = "application/vnd.debian.binary-package"
	typeRPM     = "application/x-rpm"
	typeCrx     = "application/x-google-chrome-extension"
	typeFlash   = "application/x-shockwave-flash"
	typeAndrDey = "application/vnd.android.dey"
	typePS1     = "text/x-powershell"
	typeJS      = "text/javascript"
)

// dangerousTypes are executables, installers and scripts: refused whatever
// the allow-list says unless Policy.AllowDangerous.
var dangerousTypes = map[string]bool{
	typePE: true, typeELF: true, typeMachO: true, typeMSI: true, typeJar: true,
	typeClass: true, typeAPK: true, typeDex: true, typeAndrDey: true, typeWasm: true,
	typeLnk: true, typeShell: true, typeBatch: true, typeDeb: true, typeRPM: true,
	typeCrx: true, typeFlash: true, typePS1: true, typeJS: true,
}

// activeTypes are the types a browser runs script in.
var activeTypes = map[string]bool{
	typeHTML: true, typeSVG: true, typeXML: true, "application/xhtml+xml": true,
}

// IsDangerousType reports whether contentType, as sniffed by this package, is
// an executable, an installer or a script (PE, ELF, Mach-O, MSI, Java and
// Android packages, shell and batch scripts, …).
func IsDangerousType(contentType string) bool { return dangerousTypes[contentType] }

// IsActiveContent reports whether contentType, as sniffed by this package, is
// a type a browser runs script in (HTML, SVG, XML). Such a file must never be
// served inline from the chat's origin.
func IsActiveContent(contentType string) bool { return activeTypes[contentType] }

// format is what the package knows about a canonical extension.
type format struct {
	// accepts lists the sniffed types that agree with the extension. The
	// first is the extension's own type, reported when the content belongs
	// to a family that only the extension can refine (text, OOXML, OLE).
	accepts []string
	// text marks extensions whose files are text: text content that is not
	// active or a script is reported as accepts[0] (csv and json only when
	// the content parses as such).
	text bool
}

var (
	isoVideo = []string{typeMP4, typeMOV, type3GP, typeM4A}
	zipDocs  = []string{typeZip, typeDocx, typeXlsx, typePptx, typeOdt, typeOds, typeOdp, typeEpub}
)

// formats maps each canonical extension the package knows to its format.
// An extension missing here is checked by the type filetype registers for it,
// or, when filetype does not know it either, accepts only content that
// nothing recognises (application/octet-stream) or plain text.
var formats = map[string]format{
	"jpg":  {accepts: []string{typeJPEG}},
	"png":  {accepts: []string{typePNG}},
	"gif":  {accepts: []string{typeGIF}},
	"webp": {accepts: []string{typeWebP}},
	"heic": {accepts: []string{typeHEIC, typeHEIF}},
	"avif": {accepts: []string{typeAVIF}},
	"bmp":  {accepts: []string{typeBMP}},
	"tif":  {accepts: []string{typeTIFF}},

	"pdf": {accepts: []string{typePDF}},
	"rtf": {accepts: []string{typeRTF}},

	"txt":  {accepts: []string{typeText}, text: true},
	"log":  {accepts: []string{typeText}, text: true},
	"md":   {accepts: []string{typeMarkdown}, text: true},
	"csv":  {accepts: []string{typeCSV}, text: true},
	"json": {accepts: []string{typeJSON}, text: true},
	"vcf":  {accepts: []string{typeVCard}, text: true},
	"ics":  {accepts: []string{typeCalendar}, text: true},

	"html": {accepts: []string{typeHTML}},
	"svg":  {accepts: []string{typeSVG}},
	"xml":  {accepts: []string{typeXML}},

	"mp3":  {accepts: []string{typeMP3}},
	"m4a":  {accepts: []string{typeM4A, typeMP4}},
	"aac":  {accepts: []string{typeAAC}},
	"amr":  {accepts: []string{typeAMR}},
	"ogg":  {accepts: []string{typeOgg}},
	"oga":  {accepts: []string{typeOgg}}, // Ogg audio, as Flex names WhatsApp voice notes
	"opus": {accepts: []string{typeOgg}},
	"wav":  {accepts: []string{typeWAV}},
	"flac": {accepts: []string{typeFLAC}},
	"mp4":  {accepts: isoVideo},
	"m4v":  {accepts: isoVideo},
	"mov":  {accepts: isoVideo},
	"3gp":  {accepts: []string{type3GP, typeMP4}},
	"webm": {accepts: []string{typeWebM}},
	"mkv":  {accepts: []string{typeMKV, typeWebM}},
	"avi":  {accepts: []string{typeAVI}},

	"zip":  {accepts: zipDocs},
	"docx": {accepts: []string{typeDocx}},
	"xlsx": {accepts: []string{typeXlsx}},
	"pptx": {accepts: []string{typePptx}},
	"odt":  {accepts: []string{typeOdt}},
	"ods":  {accepts: []string{typeOds}},
	"odp":  {accepts: []string{typeOdp}},
	"epub": {accepts: []string{typeEpub}},
	"doc":  {accepts: []string{typeDoc}},
	"xls":  {accepts: []string{typeXls}},
	"ppt":  {accepts: []string{typePpt}},
	"msg":  {accepts: []string{typeMsg}},

	// Dangerous extensions: they matter only with Policy.AllowDangerous.
	"exe": {accepts: []string{typePE}},
	"dll": {accepts: []string{typePE}},
	"scr": {accepts: []string{typePE}},
	"msi": {accepts: []string{typeMSI}},
	"elf": {accepts: []string{typeELF}},
	"jar": {accepts: []string{typeJar}},
	"apk": {accepts: []string{typeAPK}},
	"sh":  {accepts: []string{typeShell}, text: true},
	"bat": {accepts: []string{typeBatch}, text: true},
	"cmd": {accepts: []string{typeBatch}, text: true},
	"ps1": {accepts: []string{typePS1}, text: true},
	"js":  {accepts: []string{typeJS}, text: true},
}

// extensionType returns the type a file whose name ends in the canonical
// extension ext claims to be, or "" when the package knows none.
func extensionType(ext string) string {
	if f, ok := formats[ext]; ok {
		return f.accepts[0]
	}
	return ""
}

// accepts reports whether a file with the canonical extension ext may hold
// content of type ct.
func accepts(ext, ct string) bool {
	if f, ok := formats[ext]; ok {
		for _, a := range f.accepts {
			if a == ct {
				return true
			}
		}
		return false
	}
	if t := filetype.GetType(ext); t != filetype.Unknown {
		return t.MIME.Value == ct
	}
	return ct == typeOctetStream || ct == typeText
}
