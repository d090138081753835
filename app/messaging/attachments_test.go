package messaging_test

import (
	"strings"
	"testing"

	"github.com/outpostchat/outpost/app/messaging"
	"github.com/outpostchat/outpost/app/model"
)

func TestSendValidatesAttachments(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	alice, boss := e.user("alice"), e.user("boss", "bot")
	ch := e.room("chan", model.RoomPublic, nil, alice, boss)
	e.set("Message_MaxAllowedSize", int64(20))
	obj := func(kv ...any) map[string]any {
		m := map[string]any{}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i].(string)] = kv[i+1]
		}
		return m
	}
	const href = "Invalid href value provided"
	for _, c := range []struct {
		name string
		att  map[string]any
		want string // "" accepted, else the error's code or message start
	}{
		{"plain", obj("title", "t", "text", "x", "color", "#fff", "ts", "2020-01-01", "collapsed", true), ""},
		{"https links", obj("title_link", "https://example.com", "image_url", "http://example.com/a.png", "author_link", "https://a.b"), ""},
		{"upload path", obj("title_link", "/file-upload/abc/name.png", "title_link_download", true, "image_size", float64(10)), ""},
		{"data image", obj("image_url", "data:image/png;base64,AAAA", "thumb_url", "data:image/jpeg;base64,AA"), ""},
		{"numeric ts", obj("ts", float64(1700000000000)), ""},
		{"fields", obj("fields", []any{obj("title", "a", "value", float64(3), "short", true)}), ""},
		{"actions", obj("actions", []any{obj("type", "button", "text", "go", "url", "https://example.com")}), ""},
		{"javascript title_link", obj("title_link", "javascript:alert(1)"), href},
		{"JavaScript mixed case", obj("author_link", "JaVaScRiPt:alert(1)"), href},
		{"javascript message_link", obj("message_link", "javascript:alert(1)"), href},
		{"data html image", obj("image_url", "data:text/html,<script>alert(1)</script>"), href},
		{"data image as a link", obj("title_link", "data:image/png;base64,AAAA"), href},
		{"vbscript audio", obj("audio_url", "vbscript:x"), href},
		{"ftp video", obj("video_url", "ftp://example.com/v.mp4"), href},
		{"relative thumb", obj("thumb_url", "img.png"), href},
		{"protocol-relative", obj("author_icon", "//evil.example/x.png"), href},
		{"leading space", obj("title_link", " javascript:alert(1)"), href},
		{"action url", obj("actions", []any{obj("type", "button", "url", "javascript:alert(1)")}), href},
		{"action image", obj("actions", []any{obj("image_url", "data:text/html,x")}), href},
		{"nested quote", obj("attachments", []any{obj("message_link", "javascript:alert(1)")}), href},
		{"link not a string", obj("title_link", float64(5)), "Match error"},
		{"title not a string", obj("title", float64(5)), "Match error"},
		{"ts a boolean", obj("ts", true), "Match error"},
		{"fields not an array", obj("fields", "x"), "Match error"},
		{"field without value", obj("fields", []any{obj("title", "a")}), "Invalid attachment field"},
		{"field with empty title", obj("fields", []any{obj("title", "", "value", "v")}), "Invalid attachment field"},
		{"field not an object", obj("fields", []any{"x"}), "Match error"},
		{"action not an object", obj("actions", []any{float64(1)}), "Match error"},
		{"nested not an object", obj("attachments", []any{"x"}), "Match error"},
		{"text too long", obj("text", strings.Repeat("x", 21)), "error-message-size-exceeded"},
		{"null attachment", nil, "Match error"},
	} {
		_, err := e.svc.Send(e.ctx, alice, messaging.SendInput{RID: ch.ID, Msg: "m", Attachments: []map[string]any{c.att}})
		got := ""
		if err != nil {
			got = code(err)
			if model.AsError(err).Kind != model.KindInvalid {
				t.Errorf("%s: kind %v", c.name, model.AsError(err).Kind)
			}
		}
		if (c.want == "") != (got == "") || !strings.HasPrefix(got, c.want) {
			t.Errorf("%s: %v, want %q", c.name, err, c.want)
		}
	}
	// A message's avatar is a link too (Rocket.Chat's validPartialURLParam).
	for avatar, ok := range map[string]bool{"https://example.com/a.png": true, "/avatar/x": true, "avatar.png": true,
		"javascript:alert(1)": false, "//evil.example/a.png": false, "data:text/html,x": false} {
		_, err := e.svc.Send(e.ctx, boss, messaging.SendInput{RID: ch.ID, Msg: "m", Alias: "bot", Avatar: avatar})
		if (err == nil) != ok {
			t.Errorf("avatar %q: %v", avatar, err)
		}
	}
}
