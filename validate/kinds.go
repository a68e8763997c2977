package validate

import (
	"github.com/h2non/filetype"
	"github.com/h2non/filetype/types"
)

// kinds says in words what a file of each sniffed type is, for the messages
// shown to the person who sent it: people know "a Windows program" or "an
// Excel spreadsheet", not application/vnd.microsoft.portable-executable.
// Hosts that want the type itself read it from Details.SniffedType.
var kinds = map[string]string{
	typeJPEG: "a JPEG picture",
	typePNG:  "a PNG picture",
	typeGIF:  "a GIF picture",
	typeWebP: "a WebP picture",
	typeHEIC: "a HEIC photo",
	typeHEIF: "a HEIF picture",
	typeAVIF: "an AVIF picture",
	typeBMP:  "a bitmap picture",
	typeTIFF: "a TIFF picture",

	typePDF: "a PDF",
	typeRTF: "a rich text document",

	typeText:     "a plain text file",
	typeCSV:      "a CSV file",
	typeJSON:     "a JSON file",
	typeMarkdown: "a Markdown file",
	typeVCard:    "a contact card",
	typeCalendar: "a calendar file",

	typeHTML: "a web page",
	typeSVG:  "an SVG drawing",
	typeXML:  "an XML file",

	typeMP3:  "an MP3 recording",
	typeM4A:  "an M4A recording",
	typeAAC:  "an AAC recording",
	typeAMR:  "an AMR voice note",
	typeOgg:  "an Ogg recording",
	typeWAV:  "a WAV recording",
	typeFLAC: "a FLAC recording",
	typeMP4:  "an MP4 video",
	typeMOV:  "a QuickTime video",
	type3GP:  "a 3GP video",
	typeWebM: "a WebM video",
	typeMKV:  "a Matroska video",
	typeAVI:  "an AVI video",

	typeZip:  "a ZIP archive",
	typeDocx: "a Word document",
	typeXlsx: "an Excel spreadsheet",
	typePptx: "a PowerPoint presentation",
	typeOdt:  "an OpenDocument text",
	typeOds:  "an OpenDocument spreadsheet",
	typeOdp:  "an OpenDocument presentation",
	typeEpub: "an EPUB e-book",
	typeOLE:  "an old-style Office file",
	typeDoc:  "an old-style Word document",
	typeXls:  "an old-style Excel spreadsheet",
	typePpt:  "an old-style PowerPoint presentation",
	typeMsg:  "an Outlook message",

	typePE:      "a Windows program",
	typeELF:     "a Linux program",
	typeMachO:   "a macOS program",
	typeMSI:     "a Windows installer",
	typeJar:     "a Java program",
	typeClass:   "a Java class file",
	typeAPK:     "an Android app",
	typeDex:     "an Android program",
	typeAndrDey: "an Android program",
	typeWasm:    "a WebAssembly program",
	typeLnk:     "a Windows shortcut",
	typeShell:   "a script", // a "#!" line: shell, Python, Perl, …
	typeBatch:   "a Windows batch script",
	typePS1:     "a PowerShell script",
	typeJS:      "a JavaScript program",
	typeDeb:     "a Debian package",
	typeRPM:     "an RPM package",
	typeCrx:     "a Chrome extension",
	typeFlash:   "a Flash file",
}

// kindOf says in words what a file of the sniffed type ct is ("a Windows
// program"), or returns "" when the content is of no type the package can
// name (application/octet-stream).
func kindOf(ct string) string {
	if k, ok := kinds[ct]; ok {
		return k
	}
	if ct == typeOctetStream || ct == "" {
		return ""
	}
	// A type only filetype knows: name it by its extension, the first in
	// order so that the message never changes between runs.
	ext := ""
	filetype.Types.Range(func(k, v any) bool {
		e, _ := k.(string)
		if t, ok := v.(types.Type); ok && t.MIME.Value == ct && (ext == "" || e < ext) {
			ext = e
		}
		return true
	})
	if ext == "" {
		return ""
	}
	return "a ." + ext + " file"
}

// kindOfExtension says in words what a file whose name ends in the canonical
// extension ext claims to be ("a PDF"), or "a .ext file" when the package
// knows no type for it.
func kindOfExtension(ext string) string {
	if f, ok := formats[ext]; ok {
		if k := kindOf(f.accepts[0]); k != "" {
			return k
		}
	}
	if t := filetype.GetType(ext); t != filetype.Unknown {
		if k, ok := kinds[t.MIME.Value]; ok {
			return k
		}
	}
	return "a ." + ext + " file"
}
