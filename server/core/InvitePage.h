#pragma once

#include <QString>

// The https landing page of an invitation (XEP-0401 §5): which app to install per platform,
// and a button that opens the xmpp: link in it. Switchboard has no HTTP listener yet; the
// upload listener, once it exists, serves this at invite_page_url?TOKEN. Self-contained HTML
// (inline style, no script, nothing fetched from elsewhere).
namespace InvitePage {
QString html(const QString &domain, const QString &uri, const QString &fixedUser = QString());
}
