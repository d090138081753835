package md

import "testing"

// From tests/blockquotes.test.ts, codeFence.test.ts, heading.test.ts, lineBreak.test.ts,
// orderedList.test.ts, unorderedList.test.ts and tasks.test.ts.
func TestBlocks(t *testing.T) {
	t.Parallel()
	runCases(t, Options{}, []testCase{
		{"As Rocket Cat said:\n> meowww\n> grr.", doc(para(pl("As Rocket Cat said:")), quote(para(pl("meowww")), para(pl("grr."))))},
		{"As Rocket Cat said:\n> *meowww*\n> grr.", doc(para(pl("As Rocket Cat said:")), quote(para(bold(pl("meowww"))), para(pl("grr."))))},
		{"As Rocket Cat said:\n>meowww\n>grr.", doc(para(pl("As Rocket Cat said:")), quote(para(pl("meowww")), para(pl("grr."))))},
		{"```\ncode\n\n\n\n\ncode\n```", doc(code("none", cl("code"), cl(""), cl(""), cl(""), cl(""), cl("code")))},
		{"```\ncode\n\n\n```", doc(code("none", cl("code"), cl(""), cl("")))},
		{"```\ncode\n```", doc(code("none", cl("code")))},
		{"```\nvar a = \"teste\";\n```", doc(code("none", cl(`var a = "teste";`)))},
		{"```javascript\ncode\n```", doc(code("javascript", cl("code")))},
		{"```bash c\ncode\n```", doc(code("bash c", cl("code")))},
		{"  ```\ncode\n```", doc(para(pl("  ```")), para(pl("code")), para(pl("```")))},
		{"```\ncode\ncode\n```", doc(code("none", cl("code"), cl("code")))},
		{"```\n# code\n**code**\n```", doc(code("none", cl("# code"), cl("**code**")))},
		{"# h1", doc(head(1, pl("h1")))},
		{"# Rocket.Cat", doc(head(1, pl("Rocket.Cat")))},
		{"# He said Hello to her", doc(head(1, pl("He said Hello to her")))},
		{"#Hello", doc(para(mc("Hello")))},
		{"## Hello", doc(head(2, pl("Hello")))},
		{"##Hello", doc(para(pl("##Hello")))},
		{"### Hello this is dog", doc(head(3, pl("Hello this is dog")))},
		{"He###llo", doc(para(pl("He###llo")))},
		{"#### Hi", doc(head(4, pl("Hi")))},
		{"####Hello####", doc(para(pl("####Hello####")))},
		{"# Hello\n", doc(head(1, pl("Hello")), lb())},
		{"# # Hello\n", doc(head(1, pl("# Hello")), lb())},
		{"test\n\ntest2", doc(para(pl("test")), lb(), para(pl("test2")))},
		{"test\n\ntest2\n", doc(para(pl("test")), lb(), para(pl("test2")))},
		{"test\n\n\n\ntest2\n", doc(para(pl("test")), lb(), lb(), lb(), para(pl("test2")))},
		{"7. First item\n2. Second item\n8. Third item\n4. *Fourth item*\n15. *Fifteenth item*\n20. :smile:", doc(ol(
			lin(7, pl("First item")), lin(2, pl("Second item")), lin(8, pl("Third item")),
			lin(4, bold(pl("Fourth item"))), lin(15, bold(pl("Fifteenth item"))), lin(20, emo("smile"))))},
		{"- First item\n- Second item\n- Third item\n- *Fourth item*\n- :smile:", doc(ul(
			li(pl("First item")), li(pl("Second item")), li(pl("Third item")), li(bold(pl("Fourth item"))), li(emo("smile"))))},
		{"* First item\n* Second item\n* Third item\n* *Fourth item*", doc(ul(
			li(pl("First item")), li(pl("Second item")), li(pl("Third item")), li(bold(pl("Fourth item")))))},
		{"- First item\n* Second item\n* Third item\n* *Fourth item*", doc(ul(li(pl("First item"))), ul(
			li(pl("Second item")), li(pl("Third item")), li(bold(pl("Fourth item")))))},
		{"- [ ] this is an incomplete item\n- [x] this is a complete item\n- [x] @mentions, #refs, [links](http://localhost), **formatting**\n- [x] list syntax required (any unordered or ordered list supported)\n- [ ] :smile:", doc(tasks(
			task(false, pl("this is an incomplete item")),
			task(true, pl("this is a complete item")),
			task(true, mu("mentions"), pl(", "), mc("refs"), pl(", "), lnk("http://localhost", pl("links")), pl(", "), bold(pl("formatting"))),
			task(true, pl("list syntax required (any unordered or ordered list supported)")),
			task(false, emo("smile"))))},
	})
}

// From tests/link.test.ts and image.test.ts.
func TestLinks(t *testing.T) {
	t.Parallel()
	desk := "https://desk.rocket.chat/support/rocketchat/ShowHomePage.do#Cases/dv/413244000073043351"
	runCases(t, Options{}, []testCase{
		{"<https://domain.com|Test>", doc(para(lnk("https://domain.com", pl("Test"))))},
		{"<https://domain.com|Test\n>", doc(para(pl("<https://domain.com|Test")), para(pl(">")))},
		{"<https://domain.com|Test\n> quote here", doc(para(pl("<https://domain.com|Test")), quote(para(pl("quote here"))))},
		{"[Link](https://domain.com/link?a=%28node_filesystem_avail_bytes%29)", doc(para(lnk("https://domain.com/link?a=%28node_filesystem_avail_bytes%29", pl("Link"))))},
		{"[](https://rocket.chat)", doc(para(lnk("https://rocket.chat")))},
		{"[ ](https://rocket.chat)", doc(para(lnk("https://rocket.chat", pl(" "))))},
		{"[ test ](https://rocket.chat)", doc(para(lnk("https://rocket.chat", pl(" test "))))},
		{"[title](http://localhost?testing=true)", doc(para(lnk("http://localhost?testing=true", pl("title"))))},
		{"[**title**](https://rocket.chat)", doc(para(lnk("https://rocket.chat", bold(pl("title")))))},
		{"[__**~~title~~**__](https://rocket.chat)", doc(para(lnk("https://rocket.chat", ital(bold(strk(pl("title")))))))},
		{desk, doc(para(lnk(desk)))},
		{"<" + desk + "|Test>", doc(para(lnk(desk, pl("Test"))))},
		{"[title](" + desk + "?query=test12-34&query2=abcd!~-._%2B+)", doc(para(lnk(desk+"?query=test12-34&query2=abcd!~-._%2B+", pl("title"))))},
		{"google.com", doc(para(auto("google.com", "//google.com")))},
		{"www.google.com", doc(para(auto("www.google.com", "//www.google.com")))},
		{"rocket.chat:8080", doc(para(lnk("rocket.chat:8080")))},
		{"ShouldNotBeALink", doc(para(pl("ShouldNotBeALink")))},
		{"http:/ google.com", doc(para(pl("http:/ "), auto("google.com", "//google.com")))},
		{"[custom](custom://google.com)", doc(para(lnk("custom://google.com", pl("custom"))))},
		{"[thing](https://www.thingiverse.com/thing:5451684)", doc(para(lnk("https://www.thingiverse.com/thing:5451684", pl("thing"))))},
		{"https://t.me/joinchat/chatexample", doc(para(lnk("https://t.me/joinchat/chatexample")))},
		{"[Link with special chars](https://github.com/RocketChat/Rocket.Chat*[/]^_`{}~)", doc(para(lnk("https://github.com/RocketChat/Rocket.Chat*[/]^_`{}~", pl("Link with special chars"))))},
		{"[Rocket.Chat](https://rocket.chat) Inline Text", doc(para(lnk("https://rocket.chat", pl("Rocket.Chat")), pl(" Inline Text")))},
		{"https://analytics.zoho.com/open-view/123456789 Same Line", doc(para(lnk("https://analytics.zoho.com/open-view/123456789"), pl(" Same Line")))},
		{"[Rocket.Chat](https://rocket.chat)\n\nText after line break", doc(para(lnk("https://rocket.chat", pl("Rocket.Chat"))), lb(), para(pl("Text after line break")))},
		{"[List Header Link](https://rocket.chat)\n- First item\n- *Fourth item*", doc(para(lnk("https://rocket.chat", pl("List Header Link"))), ul(li(pl("First item")), li(bold(pl("Fourth item")))))},
		{"[9gag](9gag.com)", doc(para(lnk("9gag.com", pl("9gag"))))},
		{"<9gag.com|9gag>", doc(para(lnk("9gag.com", pl("9gag"))))},
		{"9gag.com", doc(para(auto("9gag.com", "//9gag.com")))},
		{"[notes link](notes://Server/C3257116002CAD60/0/CCAF6BE2824A1F49432588D2001FA73E)", doc(para(lnk("notes://Server/C3257116002CAD60/0/CCAF6BE2824A1F49432588D2001FA73E", pl("notes link"))))},
		{"[File Path](C:/Users/user1/Documents/projects/file.js)", doc(para(lnk("C:/Users/user1/Documents/projects/file.js", pl("File Path"))))},
		{"[Test with *bold* element](" + desk + ")", doc(para(lnk(desk, pl("Test with "), bold(pl("bold")), pl(" element"))))},
		{"[Test with _italic_ element](" + desk + ")", doc(para(lnk(desk, pl("Test with "), ital(pl("italic")), pl(" element"))))},
		{"([Github Issue: #24929](https://github.com/RocketChat/Rocket.Chat/issues/24929))", doc(para(pl("("), lnk("https://github.com/RocketChat/Rocket.Chat/issues/24929", pl("Github Issue: #24929")), pl(")")))},
		{"the [audio_url and video_url for post message attachments](https://developer.rocket.chat/x)", doc(para(pl("the "), lnk("https://developer.rocket.chat/x", pl("audio_url and video_url for post message attachments"))))},
		{"the [Jira [Task] parentheses not working](rocket.chat)", doc(para(pl("the "), lnk("rocket.chat", pl("Jira [Task] parentheses not working"))))},
		{"[Jira (Task) parentheses not working](rocket.chat)", doc(para(lnk("rocket.chat", pl("Jira (Task) parentheses not working"))))},
		{"77.77%", doc(para(pl("77.77%")))},
		{"https://77.77", doc(para(pl("https://77.77")))},
		{"test.9gag", doc(para(pl("test.9gag")))},
		{"[ ~ [ ~ [ ~ [test](https://rocket.chat)", doc(para(lnk("https://rocket.chat", pl(" "), strk(pl(" [ ")), pl(" [ ~ [test"))))},
		{"[test **bold** and __italic__](https://rocket.chat)", doc(para(lnk("https://rocket.chat", pl("test "), bold(pl("bold")), pl(" and "), ital(pl("italic")))))},
		{"[test **bold with __italic__**](https://rocket.chat)", doc(para(lnk("https://rocket.chat", pl("test "), bold(pl("bold with "), ital(pl("italic"))))))},
		{"![image](https://rocket.chat/assets/img/header/logo.svg)", doc(para(img("https://rocket.chat/assets/img/header/logo.svg", pl("image"))))},
		{"![](https://rocket.chat/assets/img/header/logo.svg)", doc(para(img("https://rocket.chat/assets/img/header/logo.svg", pl("https://rocket.chat/assets/img/header/logo.svg"))))},
	})
}

// From tests/url.test.ts.
func TestAutolinks(t *testing.T) {
	t.Parallel()
	same := func(s string) obj { return auto(s, s) }
	runCases(t, Options{}, []testCase{
		{"https://pt.wikipedia.org/wiki/Condi%C3%A7%C3%A3o_de_corrida#:~:text=Uma%20condi%C3%A7%C3%A3o,sequ%C3%AAncia", doc(para(same("https://pt.wikipedia.org/wiki/Condi%C3%A7%C3%A3o_de_corrida#:~:text=Uma%20condi%C3%A7%C3%A3o,sequ%C3%AAncia")))},
		{"https://pt.wikipedia.org/with_underscore", doc(para(same("https://pt.wikipedia.org/with_underscore")))},
		{"https://www.npmjs.com/package/@rocket.chat/message-parser", doc(para(same("https://www.npmjs.com/package/@rocket.chat/message-parser")))},
		{"http:/rocket.chat/teste", doc(para(pl("http:/rocket.chat/teste")))},
		{"https://test", doc(para(pl("https://test")))},
		{"httpsss://rocket.chat/test", doc(para(same("httpsss://rocket.chat/test")))},
		{"https://rocket.chat:3000/test", doc(para(same("https://rocket.chat:3000/test")))},
		{"https://localhost:3000#fragment", doc(para(same("https://localhost:3000#fragment")))},
		{"ftp://user:pass@localhost:21/etc/hosts", doc(para(same("ftp://user:pass@localhost:21/etc/hosts")))},
		{"ssh://test@example.com", doc(para(same("ssh://test@example.com")))},
		{"http://📙.la/❤️", doc(para(same("http://📙.la/❤️")))},
		{"https://developer.rocket.chat/reference/api/rest-api#production-security-concerns look at this", doc(para(same("https://developer.rocket.chat/reference/api/rest-api#production-security-concerns"), pl(" look at this")))},
		{"https://developer.rocket.chat?query=query\nline break", doc(para(same("https://developer.rocket.chat?query=query")), para(pl("line break")))},
		{"https://developer.rocket.chat?query=query\n\nline break", doc(para(same("https://developer.rocket.chat?query=query")), lb(), para(pl("line break")))},
		{"two urls https://developer.rocket.chat , https://rocket.chat", doc(para(pl("two urls "), same("https://developer.rocket.chat"), pl(" , "), same("https://rocket.chat")))},
		{"test.1test.com", doc(para(auto("test.1test.com", "//test.1test.com")))},
		{"www.n-tv.de/test, test", doc(para(auto("www.n-tv.de/test", "//www.n-tv.de/test"), pl(", test")))},
		{"https://www.n-tv.de, test", doc(para(same("https://www.n-tv.de"), pl(", test")))},
		{"http://te_st.com", doc(para(same("http://te_st.com")))},
		{"www.te_st.com", doc(para(auto("www.te_st.com", "//www.te_st.com")))},
		{"[google_search](http://google.com)", doc(para(lnk("http://google.com", pl("google_search"))))},
		{"app...https://rocket.chat https://rocket.chat", doc(para(pl("app...https://rocket.chat "), same("https://rocket.chat")))},
		{"Hey check it out the best communication platform https://rocket.chat! There is not discussion about it.", doc(para(pl("Hey check it out the best communication platform "), same("https://rocket.chat"), pl("! There is not discussion about it.")))},
		{"This is a normal phrase.This in another phrase.", doc(para(pl("This is a normal phrase.This in another phrase.")))},
		{"https://github.com/RocketChat/Rocket.Chat/releases/tag/6.0.0-rc.3", doc(para(same("https://github.com/RocketChat/Rocket.Chat/releases/tag/6.0.0-rc.3")))},
		{"https://www.rocket.chat/(W(601))/Main?ScreenId=GI000027", doc(para(same("https://www.rocket.chat/(W(601))/Main?ScreenId=GI000027")))},
		{"rocket.chattt/url_path", doc(para(pl("rocket.chattt/url_path")))},
		{"spark-public.s3.amazonaws.com", doc(para(auto("spark-public.s3.amazonaws.com", "//spark-public.s3.amazonaws.com")))},
		{"http://192.168.0.1:3000/x", doc(para(same("http://192.168.0.1:3000/x")))},
	})
	runCases(t, Options{CustomDomains: []string{"local", "intranet"}}, []testCase{
		{"http://gitlab.local", doc(para(auto("http://gitlab.local", "http://gitlab.local")))},
		{"internaltool.intranet", doc(para(auto("internaltool.intranet", "//internaltool.intranet")))},
		{"https://internaltool.testt", doc(para(pl("https://internaltool.testt")))},
	})
}

// From tests/email.test.ts, phoneNumber.test.ts and timestamp.test.ts.
func TestEmailPhoneTimestamp(t *testing.T) {
	t.Parallel()
	mail := func(a string) obj { return lnk("mailto:"+a, pl(a)) }
	runCases(t, Options{}, []testCase{
		{"joe@joe.com", doc(para(mail("joe@joe.com")))},
		{"Joe's email is joe@joe.com. Try emailing him", doc(para(pl("Joe's email is "), mail("joe@joe.com"), pl(". Try emailing him")))},
		{"Joe's email is JOE@JOE.COM", doc(para(pl("Joe's email is "), mail("JOE@JOE.COM")))},
		{"Joe's email is (joe_roe@joe.com)", doc(para(pl("Joe's email is ("), mail("joe_roe@joe.com"), pl(")")))},
		{"Joe's email is (joe'roe@joe.com)", doc(para(pl("Joe's email is ("), mail("joe'roe@joe.com"), pl(")")))},
		{"Joe's email is mañana@mañana.com", doc(para(pl("Joe's email is "), mail("mañana@mañana.com")))},
		{"Joe's email is Кириллица@Кириллица.com", doc(para(pl("Joe's email is "), mail("Кириллица@Кириллица.com")))},
		{"Hi there@stuff", doc(para(pl("Hi there@stuff")))},
		{"My email is mailto:asdf@asdf.com", doc(para(pl("My email is "), mail("asdf@asdf.com")))},
		{"My email is fake@gmail.c", doc(para(pl("My email is fake@gmail.c")))},
		{"My email is fake@gmail.comf", doc(para(pl("My email is fake@gmail.comf")))},
		{"+07563546725", doc(para(lnk("tel:07563546725", pl("+07563546725"))))},
		{"+075-63546725", doc(para(lnk("tel:07563546725", pl("+075-63546725"))))},
		{"+(075)-63546725", doc(para(lnk("tel:07563546725", pl("+(075)-63546725"))))},
		{"[**here**](+(075)63546725)", doc(para(lnk("tel:07563546725", bold(pl("here")))))},
		{"+(11)99999-9999", doc(para(lnk("tel:11999999999", pl("+(11)99999-9999"))))},
		{"5 +51231 5", doc(para(pl("5 "), lnk("tel:51231", pl("+51231")), pl(" 5")))},
		{"+(12)3-45", doc(para(lnk("tel:12345", pl("+(12)3-45"))))},
		{"+1.599123", doc(para(pl("+1.599123")))},
		{"1+1=2 text", doc(para(pl("1+1=2 text")))},
		{"+1000,00", doc(para(pl("+1000,00")))},
		{"+ 1199999999", doc(para(pl("+ 1199999999")))},
		{"+123-4", doc(para(pl("+123-4")))},
		{"5+51231", doc(para(pl("5+51231")))},
		{"<t:1708551317>", doc(para(ts("1708551317", "t")))},
		{"<t:1708551317:R>", doc(para(ts("1708551317", "R")))},
		{"hello <t:1708551317>", doc(para(pl("hello "), ts("1708551317", "t")))},
		{"<t:1708551317:I>", doc(para(pl("<t:1708551317:I>")))},
		{"<t:17>", doc(para(pl("<t:17>")))},
	})
}
