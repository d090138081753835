package messaging

import (
	"fmt"
	"strings"

	"github.com/outpostchat/outpost/app/model"
)

// Attachment validation follows Rocket.Chat's validateMessage (sendMessage.ts): every
// field it knows must have its type, every link field must be an absolute http(s) URL
// or a path under /file-upload/ (its validFullURLParam), and each of fields[] needs a
// title and a value. Clients render these values as links and images, so a
// "javascript:" link would run in the reader's session. Outpost is stricter than
// Rocket.Chat in three places: a "data:" URL is accepted only as an image
// (data:image/…) in an image field, nested (quoted) attachments are checked too, and
// an attachment must be an object.

// The kinds of an attachment field's value.
const (
	kString = iota
	kBool
	kNumber
	kStringOrNumber
	kScalar // string, number or boolean
	kObject
	kArray
	kLink  // validFullURLParam
	kImage // validFullURLParam, or a data:image/ URL
)

// attachmentKinds are the fields validateAttachment checks.
var attachmentKinds = map[string]int{
	"color": kString, "text": kString, "ts": kStringOrNumber, "thumb_url": kImage,
	"button_alignment": kString, "actions": kArray, "message_link": kLink, "collapsed": kBool,
	"author_name": kString, "author_link": kLink, "author_icon": kImage, "title": kString,
	"title_link": kLink, "title_link_download": kBool, "image_dimensions": kObject, "image_url": kImage,
	"image_preview": kString, "image_type": kString, "image_size": kNumber, "audio_url": kLink,
	"audio_type": kString, "audio_size": kNumber, "video_url": kLink, "video_type": kString,
	"video_size": kNumber, "fields": kArray, "attachments": kArray,
}

// actionKinds are the fields validateAttachmentsActions checks.
var actionKinds = map[string]int{
	"type": kString, "text": kString, "url": kLink, "image_url": kImage, "is_webview": kBool,
	"webview_height_ratio": kString, "msg": kString, "msg_in_chat_window": kBool,
}

// fieldKinds are the fields validateAttachmentsFields checks.
var fieldKinds = map[string]int{"short": kBool, "title": kString, "value": kScalar}

// maxAttachmentDepth bounds how deep quoted attachments nest.
const maxAttachmentDepth = 10

// validateAttachments checks a message's attachments; maxText bounds each text, as
// chat.postMessage does (0: no bound).
func validateAttachments(atts []map[string]any, maxText int) error {
	for i, a := range atts {
		if err := validateAttachment(a, fmt.Sprintf("attachments[%d]", i), maxText, 0); err != nil {
			return err
		}
	}
	return nil
}

func validateAttachment(a map[string]any, path string, maxText, depth int) error {
	if a == nil {
		return matchError("Expected object", path)
	}
	if depth > maxAttachmentDepth {
		return matchError("Attachments nest too deep", path)
	}
	if err := checkKinds(a, attachmentKinds, path); err != nil {
		return err
	}
	if text, _ := a["text"].(string); maxText > 0 && jsLength(text) > maxText {
		return model.Invalid("error-message-size-exceeded", "Message size exceeds Message_MaxAllowedSize")
	}
	for i, f := range asArray(a["fields"]) {
		p := fmt.Sprintf("%s.fields[%d]", path, i)
		obj, ok := f.(map[string]any)
		if !ok {
			return matchError("Expected object", p)
		}
		if err := checkKinds(obj, fieldKinds, p); err != nil {
			return err
		}
		if !truthy(obj["title"]) || !truthy(obj["value"]) {
			return &model.Error{Kind: model.KindInvalid, Message: "Invalid attachment field, title and value is required", Details: map[string]any{"field": p}}
		}
	}
	for i, act := range asArray(a["actions"]) {
		p := fmt.Sprintf("%s.actions[%d]", path, i)
		obj, ok := act.(map[string]any)
		if !ok {
			return matchError("Expected object", p)
		}
		if err := checkKinds(obj, actionKinds, p); err != nil {
			return err
		}
	}
	for i, n := range asArray(a["attachments"]) {
		obj, _ := n.(map[string]any)
		if err := validateAttachment(obj, fmt.Sprintf("%s.attachments[%d]", path, i), maxText, depth+1); err != nil {
			return err
		}
	}
	return nil
}

// checkKinds checks the fields of obj that kinds names; null and absent fields pass,
// as in Rocket.Chat's objectMaybeIncluding.
func checkKinds(obj map[string]any, kinds map[string]int, path string) error {
	for k, v := range obj {
		kind, known := kinds[k]
		if !known || v == nil {
			continue
		}
		p := path + "." + k
		ok := true
		switch kind {
		case kString:
			_, ok = v.(string)
		case kBool:
			_, ok = v.(bool)
		case kNumber:
			ok = isNumber(v)
		case kStringOrNumber:
			_, isString := v.(string)
			ok = isString || isNumber(v)
		case kScalar:
			_, isString := v.(string)
			_, isBool := v.(bool)
			ok = isString || isBool || isNumber(v)
		case kObject:
			_, ok = v.(map[string]any)
		case kArray:
			_, ok = v.([]any)
		case kLink, kImage:
			s, isString := v.(string)
			if !isString {
				return matchError("Expected string", p)
			}
			if !validLink(s, kind == kImage) {
				return &model.Error{Kind: model.KindInvalid, Message: "Invalid href value provided", Details: map[string]any{"field": p}}
			}
		}
		if !ok {
			return matchError("Expected "+kindName(kind), p)
		}
	}
	return nil
}

// validLink is Rocket.Chat's validFullURLParam: an absolute http(s) URL or a path
// under /file-upload/, never javascript:; image fields may also hold a data:image/ URL.
func validLink(s string, image bool) bool {
	lower := strings.ToLower(s)
	switch {
	case strings.HasPrefix(lower, "javascript:"):
		return false
	case strings.HasPrefix(s, "http://"), strings.HasPrefix(s, "https://"), strings.HasPrefix(s, "/file-upload/"):
		return true
	case image && strings.HasPrefix(lower, "data:image/"):
		return true
	}
	return false
}

// validAvatar is Rocket.Chat's validPartialURLParam for a message's avatar: also a
// relative URL (no scheme, not protocol-relative).
func validAvatar(s string) bool {
	if validLink(s, true) {
		return true
	}
	if strings.HasPrefix(s, "//") {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == ':':
			return false // a scheme
		case c == '/' || c == '?' || c == '#':
			return true
		}
	}
	return s != ""
}

func matchError(what, path string) error {
	return &model.Error{Kind: model.KindInvalid, Message: "Match error: " + what + " in field " + path}
}

func kindName(kind int) string {
	switch kind {
	case kString:
		return "string"
	case kBool:
		return "boolean"
	case kNumber:
		return "number"
	case kStringOrNumber:
		return "string or number"
	case kScalar:
		return "string, number or boolean"
	case kObject:
		return "object"
	}
	return "array"
}

func isNumber(v any) bool {
	switch v.(type) {
	case float64, float32, int, int32, int64:
		return true
	}
	return false
}

func asArray(v any) []any {
	a, _ := v.([]any)
	return a
}

// truthy is JavaScript's truthiness of a JSON value.
func truthy(v any) bool {
	switch v := v.(type) {
	case nil:
		return false
	case string:
		return v != ""
	case bool:
		return v
	case float64:
		return v != 0
	case int:
		return v != 0
	}
	return true
}
