#include "core/InvitePage.h"


using namespace Qt::StringLiterals;

namespace {
struct App
{
    const char16_t *name;
    const char16_t *platforms;
    const char16_t *url;
};

// Clients that open xmpp:…?register;preauth= links and register with the token.
const App Apps[] = {
    {u"Conversations", u"Android", u"https://conversations.im/"},
    {u"Monal", u"iOS, macOS", u"https://monal-im.org/"},
    {u"Siskin IM", u"iOS", u"https://siskin.im/"},
    {u"Gajim", u"Windows, Linux", u"https://gajim.org/"},
    {u"Dino", u"Linux", u"https://dino.im/"},
};
} // namespace

QString InvitePage::html(const QString &domain, const QString &uri, const QString &fixedUser)
{
    const QString where = fixedUser.isEmpty() ? domain.toHtmlEscaped()
                                              : (fixedUser + u'@' + domain).toHtmlEscaped();
    QString apps;
    for (const App &app : Apps) {
        apps += u"<li><a href=\"%1\">%2</a> <span>(%3)</span></li>\n"_s.arg(
            QString::fromUtf16(app.url), QString::fromUtf16(app.name), QString::fromUtf16(app.platforms));
    }
    return uR"(<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Invitation to %1</title>
<style>
body { font-family: sans-serif; max-width: 36em; margin: 2em auto; padding: 0 1em; color: #222; }
a.button { display: inline-block; padding: .8em 1.4em; background: #2e7d32; color: #fff; border-radius: .4em;
           text-decoration: none; font-size: 1.1em; }
span { color: #666; }
code { word-break: break-all; }
</style>
</head>
<body>
<h1>You are invited to chat on %1</h1>
<p>1. Install a chat app if you do not have one yet:</p>
<ul>
%2</ul>
<p>2. Open the invitation in it; the app creates your account (%3) with a password you choose.</p>
<p><a class="button" href="%4">Open the invitation</a></p>
<p>If the button does nothing, the app is not installed yet, or copy this link into it:<br><code>%4</code></p>
</body>
</html>
)"_s.arg(domain.toHtmlEscaped(), apps, where, uri.toHtmlEscaped());
}
