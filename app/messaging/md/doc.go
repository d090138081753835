// Package md parses message text into the AST that Rocket.Chat stores with every
// message as its "md" field and that Rocket.Chat's web and mobile clients render: the
// output of the npm package @rocket.chat/message-parser.
//
// The rules transcribe upstream's PEG grammar, packages/message-parser/src/grammar.pegjs
// of RocketChat/Rocket.Chat at commit 78da2ffbabc4d5aa21ef2d7aa2ad4dbc4725e164 (the
// grammar of release 0.31.32), rule for rule and in the same order of preference, with
// the node shapes of src/utils.ts and src/definitions.ts; its tests (tests/*.test.ts)
// are our test table. From later versions of utils.ts we take two fixes: an IP address
// autolinks, and an ordered list item numbered 0 keeps "number": 0. A TIMESTAMP has no
// "fallback" (later versions add one). Upstream has since begun replacing the grammar by a hand-written
// scanner (src/parser.ts) that adds spoilers, tables and horizontal rules; those are not
// supported here. Nor are KaTeX and colors, which upstream switches off by default.
//
// Shapes worth knowing:
//   - a link's label is a list of inlines; an autolinked bare domain gets src "//domain";
//   - an EMOJI has a PLAIN_TEXT value and a shortCode, or (unicode) only "unicode";
//   - LINE_BREAK has no value; a heading leaves its line end to a LINE_BREAK after it;
//   - one to three emoji alone make a single BIG_EMOJI block;
//   - an emoji glued to text ("a:smile:") is text.
//
// Like upstream, the parser works on UTF-16 code units, so character classes and
// lengths match JavaScript's. Where upstream would be slow (it backtracks, and some
// rules rescan the rest of a word at every position) this parser keeps per-parse tables,
// skips emphasis and link attempts that cannot succeed (upstream makes them, and they
// can leave its emoji flags in another state, which in rare inputs decides whether an
// emoji at the very start of a following "_x_word" counts), and bounds its total work:
// past the bound it returns the text as plain paragraphs. It never panics.
package md
