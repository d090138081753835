package md

import (
	"strings"
	"testing"
)

// From tests/any.test.ts, escaped.test.ts and inlineCode.test.ts.
func TestPlainAndCode(t *testing.T) {
	t.Parallel()
	runCases(t, Options{}, []testCase{
		{"free text", doc(para(pl("free text")))},
		{"free text, with comma", doc(para(pl("free text, with comma")))},
		{"free text with unxpected/unfinished blocks *bold_", doc(para(pl("free text with unxpected/unfinished blocks *bold_")))},
		{`¯\\_(ツ)_/¯`, doc(para(pl(`¯\_(ツ)_/¯`)))},
		{`\*escaped as*bold*escaped*`, doc(para(pl("*escaped as"), bold(pl("bold")), pl("escaped*")))},
		{`\*not bold*`, doc(para(pl("*not bold*")))},
		{"*\\_\\~\\`\\#\\.", doc(para(pl("*_~`#.")))},
		{`\<br/> tag plain text`, doc(para(pl(`\<br/> tag plain text`)))},
		{`\[it is not a link](/foo)`, doc(para(pl(`\[it is not a link](/foo)`)))},
		{"\\`not code`", doc(para(pl("`not code`")))},
		{`1\. not a list`, doc(para(pl("1. not a list")))},
		{`\* not a list`, doc(para(pl("* not a list")))},
		{`\# not a heading`, doc(para(pl("# not a heading")))},
		{`\&ouml; not a character entity`, doc(para(pl(`\&ouml; not a character entity`)))},
		{"`[asd](https://localhost)`", doc(para(ic("[asd](https://localhost)")))},
		{"`code`", doc(para(ic("code")))},
		{"File extension (`.mov`)", doc(para(pl("File extension ("), ic(".mov"), pl(")")))},
		{"`@rocket.chat`", doc(para(ic("@rocket.chat")))},
		{"`@rocket.chat/message-parser`", doc(para(ic("@rocket.chat/message-parser")))},
		{"~~`Striking Inline Code`~~", doc(para(strk(ic("Striking Inline Code"))))},
		{"~~_`Striking Inline Code with Italics`_~~", doc(para(strk(ital(ic("Striking Inline Code with Italics")))))},
		{"~~**`Striking Inline Code with Bold`**~~", doc(para(strk(bold(ic("Striking Inline Code with Bold")))))},
		{"~~__*`Striking Inline Code with Bold`*__~~", doc(para(strk(ital(bold(ic("Striking Inline Code with Bold"))))))},
	})
}

// From tests/emphasis.test.ts (italic). Its cases "_example.com_", "_9797.76_" and
// "_example.com" came after the grammar we follow, which reads them as (attempted)
// autolinks before it tries italics.
func TestItalic(t *testing.T) {
	t.Parallel()
	runCases(t, Options{}, []testCase{
		{"_:smile:_", doc(para(ital(emo("smile"))))},
		{"_test :smile: test_", doc(para(ital(pl("test "), emo("smile"), pl(" test"))))},
		{"_😀_", doc(para(ital(emoU("😀"))))},
		{"_test 😀_", doc(para(ital(pl("test "), emoU("😀"))))},
		{"_test @guilherme.gazzo test_", doc(para(ital(pl("test "), mu("guilherme.gazzo"), pl(" test"))))},
		{"_test #GENERAL test_", doc(para(ital(pl("test "), mc("GENERAL"), pl(" test"))))},
		{"_[A brand new Gist](https://gist.github.com/24dddfa97bef58f46ac2ce0f80c58ba4)_", doc(para(ital(lnk("https://gist.github.com/24dddfa97bef58f46ac2ce0f80c58ba4", pl("A brand new Gist")))))},
		{"__italic__", doc(para(ital(pl("italic"))))},
		{"__italic__non", doc(para(pl("__italic__non")))},
		{"__test__test__", doc(para(pl("__test__test__")))},
		{"pre__italic__post", doc(para(pl("pre__italic__post")))},
		{" pre__italic__post", doc(para(pl(" pre__italic__post")))},
		{" pre__**~~boldstrikeitalic~~**__post ", doc(para(pl(" pre__"), bold(strk(pl("boldstrikeitalic"))), pl("__post ")))},
		{"__", doc(para(pl("__")))},
		{"_ _", doc(para(pl("_ _")))},
		{"__ _", doc(para(pl("__ _")))},
		{"__ __", doc(para(pl("__ __")))},
		{"_ Hello_", doc(para(ital(pl(" Hello"))))},
		{"_Hello _", doc(para(ital(pl("Hello "))))},
		{":custom_emoji_case:", doc(big(emo("custom_emoji_case")))},
		{"_Hel lo_", doc(para(ital(pl("Hel lo"))))},
		{"_Hello_", doc(para(ital(pl("Hello"))))},
		{"__Hello__", doc(para(ital(pl("Hello"))))},
		{"__Hello_", doc(para(pl("_"), ital(pl("Hello"))))},
		{"_Hello__", doc(para(ital(pl("Hello")), pl("_")))},
		{"_Hello", doc(para(pl("_Hello")))},
		{"Hello_", doc(para(pl("Hello_")))},
		{"He_llo", doc(para(pl("He_llo")))},
		{"___Hello___", doc(para(pl("_"), ital(pl("Hello")), pl("_")))},
		{"___Hello__", doc(para(pl("_"), ital(pl("Hello"))))},
		{"_Hello_ this is dog", doc(para(ital(pl("Hello")), pl(" this is dog")))},
		{"He said _Hello_ to her", doc(para(pl("He said "), ital(pl("Hello")), pl(" to her")))},
		{"Rocket cat says __Hello__", doc(para(pl("Rocket cat says "), ital(pl("Hello"))))},
		{"text_hello_text", doc(para(pl("text_hello_text")))},
		{"_hello_text", doc(para(pl("_hello_text")))},
		{"text_hello_", doc(para(pl("text_hello_")))},
		{"_italic@test_", doc(para(ital(pl("italic@test"))))},
		{"_italic#test_", doc(para(ital(pl("italic#test"))))},
		{"paragraph@test__", doc(para(pl("paragraph@test__")))},
		{"_ @guilherme_gazzo_ _", doc(para(ital(pl(" "), mu("guilherme_gazzo_"), pl(" "))))},
		{"_ @guilherme.gazzo _", doc(para(ital(pl(" "), mu("guilherme.gazzo"), pl(" "))))},
		{"**reference link inside [emphasis with more [references](https://rocket.chat)](https://rocket.chat)**", doc(para(bold(pl("reference link inside "), lnk("https://rocket.chat", pl("emphasis with more [references")), pl("](https://rocket.chat)"))))},
		{"_ouch_ouch", doc(para(pl("_ouch_ouch")))},
		{"_@mention _gone", doc(para(pl("_"), mu("mention"), pl(" _gone")))},
		{"_nothing `should` be _gone", doc(para(pl("_nothing "), ic("should"), pl(" be _gone")))},
		{"**bold ~~and strike~~** **not bold ~~but strike** ~~ not strike~~", doc(para(bold(pl("bold "), strk(pl("and strike"))), pl(" **not bold "), strk(pl("but strike** ")), pl(" not strike~~")))},
		{"some_snake_case_text and even_more", doc(para(pl("some_snake_case_text and even_more")))},
		{"some_snake_case_text and some __italic__ text", doc(para(pl("some_snake_case_text and some "), ital(pl("italic")), pl(" text")))},
		{"some__double__snake__case__text and even_more", doc(para(pl("some__double__snake__case__text and even_more")))},
		{"something__ __and italic__", doc(para(pl("something__ "), ital(pl("and italic"))))},
	})
}

// From tests/strongEmphasis.test.ts and strikethrough.test.ts.
func TestBoldAndStrike(t *testing.T) {
	t.Parallel()
	runCases(t, Options{}, []testCase{
		{"*:smile:*", doc(para(bold(emo("smile"))))},
		{"*test :smile: test*", doc(para(bold(pl("test "), emo("smile"), pl(" test"))))},
		{"*😀*", doc(para(bold(emoU("😀"))))},
		{"*@guilherme.gazzo*", doc(para(bold(mu("guilherme.gazzo"))))},
		{"*test #GENERAL*", doc(para(bold(pl("test "), mc("GENERAL"))))},
		{"**bold**", doc(para(bold(pl("bold"))))},
		{"** bold**", doc(para(bold(pl(" bold"))))},
		{"** bo ld **", doc(para(bold(pl(" bo ld "))))},
		{"pre**bold**", doc(para(pl("pre"), bold(pl("bold"))))},
		{"**bold**pos", doc(para(bold(pl("bold")), pl("pos")))},
		{"**bold****bold**", doc(para(bold(pl("bold")), bold(pl("bold"))))},
		{"**bold** __italic__", doc(para(bold(pl("bold")), pl(" "), ital(pl("italic"))))},
		{"**__italicbold__**", doc(para(bold(ital(pl("italicbold")))))},
		{"plain **__~~strikeitalicbold~~__**", doc(para(pl("plain "), bold(ital(strk(pl("strikeitalicbold"))))))},
		{"**", doc(para(pl("**")))},
		{"* *", doc(para(pl("* *")))},
		{"** *", doc(para(pl("** *")))},
		{"**  **", doc(para(pl("**  **")))},
		{"*Hello *", doc(para(bold(pl("Hello "))))},
		{":custom*emoji*case:", doc(para(pl(":custom"), bold(pl("emoji")), pl("case:")))},
		{"text*hello*text", doc(para(pl("text"), bold(pl("hello")), pl("text")))},
		{"**Hello*", doc(para(pl("*"), bold(pl("Hello"))))},
		{"*Hello**", doc(para(bold(pl("Hello")), pl("*")))},
		{"*Hello", doc(para(pl("*Hello")))},
		{"He*llo", doc(para(pl("He*llo")))},
		{"***Hello***", doc(para(pl("*"), bold(pl("Hello")), pl("*")))},
		{"***Hello**", doc(para(pl("*"), bold(pl("Hello"))))},
		{"He was a**nn**oyed", doc(para(pl("He was a"), bold(pl("nn")), pl("oyed")))},
		{"*(teste*", doc(para(bold(pl("(teste"))))},
		{"*__~bolditalicstrike~_*", doc(para(bold(pl("_"), ital(strk(pl("bolditalicstrike"))))))},
		{"*bold ending with colon :*and some more text", doc(para(bold(pl("bold ending with colon :")), pl("and some more text")))},
		{"*bold with a kissing emoji :* *", doc(para(bold(pl("bold with a kissing emoji :")), pl(" *")))},
		{"~:smile:~", doc(para(strk(emo("smile"))))},
		{"~test 😀~", doc(para(strk(pl("test "), emoU("😀"))))},
		{"~test @guilherme.gazzo~", doc(para(strk(pl("test "), mu("guilherme.gazzo"))))},
		{"~~[A brand new Gist](https://gist.github.com/24dddfa97bef58f46ac2ce0f80c58ba4)~~", doc(para(strk(lnk("https://gist.github.com/24dddfa97bef58f46ac2ce0f80c58ba4", pl("A brand new Gist")))))},
		{" pre~~strike~~post ", doc(para(pl(" pre"), strk(pl("strike")), pl("post ")))},
		{"~~ ~~", doc(para(pl("~~ ~~")))},
		{"~ Hello~", doc(para(strk(pl(" Hello"))))},
		{":custom~emoji~case:", doc(para(pl(":custom"), strk(pl("emoji")), pl("case:")))},
		{"~~Hello~", doc(para(pl("~"), strk(pl("Hello"))))},
		{"~~~Hello~~~", doc(para(pl("~"), strk(pl("Hello")), pl("~")))},
		{"He said ~~Hello~~ to her", doc(para(pl("He said "), strk(pl("Hello")), pl(" to her")))},
		{"~<t:1708551317>~", doc(para(strk(ts("1708551317", "t"))))},
		{"*<t:1708551317>*", doc(para(bold(pl("<t:1708551317>"))))},
	})
}

// From tests/mention.test.ts, emoji.test.ts and heading.test.ts (channels).
func TestMentionsAndEmoji(t *testing.T) {
	t.Parallel()
	runCases(t, Options{}, []testCase{
		{"@guilherme.gazzo", doc(para(mu("guilherme.gazzo")))},
		{"@guilherme.gazzo. ", doc(para(mu("guilherme.gazzo."), pl(" ")))},
		{"#GENERAL", doc(para(mc("GENERAL")))},
		{"@user:server.com", doc(para(mu("user:server.com")))},
		{"@username@example.com", doc(para(mu("username@example.com")))},
		{"@099fnd2ee@example.com", doc(para(mu("099fnd2ee@example.com")))},
		{"@téstãçâò", doc(para(mu("téstãçâò")))},
		{"@สมชาย", doc(para(mu("สมชาย")))},
		{"@李祖阳", doc(para(mu("李祖阳")))},
		{"test @Кириллица test", doc(para(pl("test "), mu("Кириллица"), pl(" test")))},
		{"#Hello#", doc(para(mc("Hello"), pl("#")))},
		{"He#llo", doc(para(pl("He#llo")))},
		{"##Hello##", doc(para(pl("##Hello##")))},
		{":smile: asd", doc(para(emo("smile"), pl(" asd")))},
		{":smile:asd", doc(para(pl(":smile:asd")))},
		{"text:inner:outer", doc(para(pl("text:inner:outer")))},
		{"10:20:30:", doc(para(pl("10:20:30:")))},
		{`":smile:"`, doc(para(pl(`":smile:"`)))},
		{`" :smile: "`, doc(para(pl(`" `), emo("smile"), pl(` "`)))},
		{":smile:\n  :smile:\n  ", doc(big(emo("smile"), emo("smile")))},
		{"normal emojis :smile: :smile: :smile:", doc(para(pl("normal emojis "), emo("smile"), pl(" "), emo("smile"), pl(" "), emo("smile")))},
		{":smile::smile::smile:", doc(big(emo("smile"), emo("smile"), emo("smile")))},
		{"\n :smile::smile::smile: \n", doc(big(emo("smile"), emo("smile"), emo("smile")))},
		{":smile:a:smile:", doc(para(pl(":smile:a:smile:")))},
		{"Hi :+1_tone4:", doc(para(pl("Hi "), emo("+1_tone4")))},
		{"😃", doc(big(emoU("😃")))},
		{"⚽️", doc(big(emoU("⚽️")))},
		{"\U0001F468\u200D\U0001F469\u200D\U0001F467\u200D\U0001F466", doc(big(emoU("\U0001F468\u200D\U0001F469\u200D\U0001F467\u200D\U0001F466")))},
		{"🏳️", doc(big(emoU("🏳️")))},
		{"\U0001F9D1\U0001F3FE\u200D\U0001F4BB\U0001F9D1\U0001F3FE\u200D\U0001F4BB", doc(big(emoU("\U0001F9D1\U0001F3FE\u200D\U0001F4BB"), emoU("\U0001F9D1\U0001F3FE\u200D\U0001F4BB")))},
		{"👆🏽👆🏽👆🏽", doc(big(emoU("👆🏽"), emoU("👆🏽"), emoU("👆🏽")))},
		{"👆🏺", doc(big(emoU("👆"), emoU("🏺")))},
		{"Hi 👍", doc(para(pl("Hi "), emoU("👍")))},
		{":smile: :smile: :smile: :smile:", doc(para(emo("smile"), pl(" "), emo("smile"), pl(" "), emo("smile"), pl(" "), emo("smile")))},
	})
}

// From tests/emoticons.test.ts and emphasisWithEmoticons.test.ts, emoticons on.
func TestEmoticons(t *testing.T) {
	t.Parallel()
	smile := emot(":)", "slight_smile")
	runCases(t, Options{Emoticons: true}, []testCase{
		{"test\n     :) test", doc(para(pl("test")), para(pl("     "), smile, pl(" test")))},
		{":) asd", doc(para(smile, pl(" asd")))},
		{"Hi :)", doc(para(pl("Hi "), smile))},
		{":) :) :) :)", doc(para(smile, pl(" "), smile, pl(" "), smile, pl(" "), smile))},
		{":):):)", doc(big(smile, smile, smile))},
		{" :) ", doc(big(smile))},
		{"D: D:", doc(big(emot("D:", "fearful"), emot("D:", "fearful")))},
		{"Hi D:", doc(para(pl("Hi "), emot("D:", "fearful")))},
		{"normal emojis :):):)", doc(para(pl("normal emojis :):):)")))},
		{":)10:30", doc(para(pl(":)10:30")))},
		{":smile::)text", doc(para(pl(":smile::)text")))},
		{"text:):smile:", doc(para(pl("text:):smile:")))},
		{":):):) normal emojis", doc(para(pl(":):):) normal emojis")))},
		{":):):):)", doc(para(pl(":):):):)")))},
		{"he:)llo", doc(para(pl("he:)llo")))},
		{"Hi:) Hi", doc(para(pl("Hi:) Hi")))},
		{"@#@#! :)@!@", doc(para(pl("@#@#! :)@!@")))},
		{"*test:*", doc(para(bold(pl("test:"))))},
		{"_test:_", doc(para(ital(pl("test:"))))},
		{"*bold ending with colon:* and some more text", doc(para(bold(pl("bold ending with colon:")), pl(" and some more text")))},
		{"*bold with a kissing emoji :* *", doc(para(bold(pl("bold with a kissing emoji "), emot(":*", "kissing_heart"), pl(" "))))},
		{"*bold with a broken kissing emoji:**", doc(para(bold(pl("bold with a broken kissing emoji:")), pl("*")))},
		{"*broken bold with a kissing emoji :*", doc(para(pl("*broken bold with a kissing emoji "), emot(":*", "kissing_heart")))},
		{"*two bolds**second*", doc(para(bold(pl("two bolds")), bold(pl("second"))))},
		{"*two bolds*:**separated by kissing emoji*", doc(para(bold(pl("two bolds")), emot(":*", "kissing_heart"), bold(pl("separated by kissing emoji"))))},
		{"_test-_-", doc(para(ital(pl("test-")), pl("-")))},
		{"_test -_- _", doc(para(ital(pl("test "), emot("-_-", "expressionless"), pl(" "))))},
		{"_two italics__second_", doc(para(ital(pl("two italics")), ital(pl("second"))))},
		{"_italic with broken emoticon -_-and more text -_-_", doc(para(ital(pl("italic with broken emoticon -")), pl("-and more text -"), ital(pl("-"))))},
		{"-_-italic content-_-", doc(para(pl("-"), ital(pl("-italic content-")), pl("-")))},
	})
}

// From tests/abuse.test.ts: emphasis markers scattered through a long text, and a
// long run of "**_**__".
func TestAbuse(t *testing.T) {
	t.Parallel()
	head := "This a message designed to stress test the message parser, trying to force several rules to stack at the same time !!@#$%^&"
	mid := `+, overloading the symbols {}:"|<>?, some more text ,./;'\[], numbers too 1234567890-= let it call s o s ok`
	tail := ", from now on we repeat some."
	s := head + "*()_" + mid + "~" + tail
	in := s + " , REPEATx2 " + s + " REPEAT x3 " + s + " REPEAT x4 " + s + " REPEATx 5 " + s +
		" , REPEAT x6 " + s + " this can go long for some time, repeat x7 " + s + " ,repeat x8 " + s
	b := bold(ital(pl("**")), ital(pl("**")))
	i := ital(bold(pl("_")))
	runCases(t, Options{}, []testCase{
		{in, doc(para(
			pl(head),
			bold(
				pl("()"),
				ital(pl(mid), strk(pl(tail+" , REPEATx2 "+head+"*()_"+mid)), pl(tail+" REPEAT x3 "+head+"*()")),
				pl(mid),
				strk(pl(tail+" REPEAT x4 "+head+"*()"), ital(pl(mid+"~"+tail+" REPEATx 5 "+head+"*()")), pl(mid)),
				pl(tail+" , REPEAT x6 "+head),
			),
			pl("()_"+mid),
			strk(pl(tail+" this can go long for some time, repeat x7 "+head+"*()"), ital(pl(mid+"~"+tail+" ,repeat x8 "+head+"*()")), pl(mid)),
			pl(tail),
		))},
		{strings.Repeat("**_**__", 8), doc(para(b, i, b, i, b, pl("__")))},
	})
}
