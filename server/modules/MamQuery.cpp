#include "modules/MamQuery.h"

#include "base/Logging.h"
#include "modules/StoredStanza.h"
#include "routing/StanzaRouter.h"

#include <QRegularExpression>
#include <QUuid>

#include <algorithm>
#include <utility>

using namespace Qt::StringLiterals;

namespace {
const QString MamNs = u"urn:xmpp:mam:2"_s;
const QString RsmNs = u"http://jabber.org/protocol/rsm"_s;
const QString DataNs = u"jabber:x:data"_s;
const QString ForwardNs = u"urn:xmpp:forward:0"_s;
const QString DelayNs = u"urn:xmpp:delay"_s;
const QString ClientNs = u"jabber:client"_s;

XmlElement field(const QString &var, const QString &type, const QString &value = QString())
{
    XmlElement f(u"field"_s);
    f.setAttribute(u"var"_s, var);
    f.setAttribute(u"type"_s, type);
    if (!value.isNull())
        f.appendTextElement(u"value"_s, value);
    return f;
}

// The form of §4.1.1 (and its #extended fields); an empty error: fine.
QString parseForm(const XmlElement &form, ArchiveStore::Query &query)
{
    if (form.isNull())
        return QString();
    if (form.attribute(u"type"_s, u"submit"_s) != u"submit")
        return u"The query form must be of type submit"_s;
    for (const XmlElement &field : form.childElements()) {
        if (field.name() != u"field")
            continue;
        const QString var = field.attribute(u"var"_s);
        QStringList values;
        for (const XmlElement &v : field.childElements()) {
            if (v.name() == u"value")
                values.append(v.text().trimmed());
        }
        const QString value = values.value(0);
        if (var == u"FORM_TYPE") {
            if (value != MamNs)
                return u"Unknown FORM_TYPE"_s;
        } else if (var == u"with") {
            const Jid jid = Jid::parse(value);
            if (jid.isNull() || jid.node().isEmpty())
                return u"'with' is not a JID of an account"_s;
            query.withBare = jid.bare().toString();
            query.withResource = jid.resource();
        } else if (var == u"start" || var == u"end") {
            const auto time = MamQuery::parseDateTime(value);
            if (!time)
                return u"'%1' is not a XEP-0082 DateTime"_s.arg(var);
            (var == u"start" ? query.start : query.end) = time;
        } else if (var == u"after-id") {
            query.afterId = value;
        } else if (var == u"before-id") {
            query.beforeId = value;
        } else if (var == u"ids") {
            query.ids = values;
        } else {
            // §4.1.1: a field the server does not support is an error, not silently ignored.
            return u"Unsupported field '%1'"_s.arg(var);
        }
    }
    return QString();
}
} // namespace

std::optional<QDateTime> MamQuery::parseDateTime(const QString &text)
{
    static const QRegularExpression format(
        u"^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d+)?(Z|[+-]\\d{2}:\\d{2})$"_s);
    if (!format.match(text).hasMatch())
        return std::nullopt;
    QString normalised = text;
    // Qt reads at most milliseconds: cut longer fractions instead of refusing them.
    static const QRegularExpression longFraction(u"(\\.\\d{3})\\d+"_s);
    normalised.replace(longFraction, u"\\1"_s);
    const QDateTime time = QDateTime::fromString(normalised, Qt::ISODateWithMs);
    if (!time.isValid())
        return std::nullopt;
    return time.toUTC();
}

QString MamQuery::formatDateTime(const QDateTime &time)
{
    return time.toUTC().toString(u"yyyy-MM-ddTHH:mm:ss.zzzZ"_s);
}

std::optional<MamQuery::Parsed> MamQuery::parse(const XmlElement &iq, StanzaError::Condition *condition,
                                                QString *text)
{
    auto fail = [&](StanzaError::Condition c, const QString &t) {
        *condition = c;
        *text = t;
        return std::nullopt;
    };
    Parsed parsed;
    const XmlElement request = iq.firstChildElement(u"query"_s, MamNs);
    const QString formError = parseForm(request.firstChildElement(u"x"_s, DataNs), parsed.query);
    if (!formError.isEmpty())
        return fail(StanzaError::Condition::BadRequest, formError);

    // XEP-0059 §2: max, after, before ("before" empty: the last page).
    ArchiveStore::Query &query = parsed.query;
    const XmlElement set = request.firstChildElement(u"set"_s, RsmNs);
    query.max = DefaultPage;
    if (!set.isNull()) {
        const XmlElement max = set.firstChildElement(u"max"_s);
        if (!max.isNull()) {
            bool ok = false;
            const int n = max.text().trimmed().toInt(&ok);
            if (!ok || n < 0)
                return fail(StanzaError::Condition::BadRequest, u"<max/> must be a number"_s);
            query.max = qMin(n, MaxPage);
        }
        const XmlElement after = set.firstChildElement(u"after"_s);
        const XmlElement before = set.firstChildElement(u"before"_s);
        if (!after.isNull() && !before.isNull())
            return fail(StanzaError::Condition::BadRequest, u"<after/> and <before/> together"_s);
        if (!after.isNull())
            query.rsmAfter = after.text().trimmed();
        if (!before.isNull())
            query.rsmBefore = before.text().trimmed();
        if (set.hasChildElement(u"index"_s))
            return fail(StanzaError::Condition::FeatureNotImplemented, u"Paging by index"_s);
    }
    parsed.queryId = request.attribute(u"queryid"_s);
    parsed.flip = request.hasChildElement(u"flip-page"_s);
    return parsed;
}

XmlElement MamQuery::errorReply(const XmlElement &iq, const Jid &requester, const QString &archiveJid,
                                StanzaError::Condition condition, const QString &text)
{
    XmlElement error = StanzaError::makeErrorReply(iq, condition, text);
    const QString to = iq.attribute(u"to"_s);
    error.setAttribute(u"from"_s, to.isEmpty() ? archiveJid : to);
    error.setAttribute(u"to"_s, requester.toString());
    return error;
}

void MamQuery::answer(const XmlElement &iq, const Jid &requester, const ArchiveStore::Owner &owner,
                      const QString &archiveJid, Send send) const
{
    StanzaError::Condition condition{};
    QString text;
    const auto parsed = parse(iq, &condition, &text);
    if (!parsed) {
        send(errorReply(iq, requester, archiveJid, condition, text));
        return;
    }
    m_store->queryAsync(owner, parsed->query, [iq, requester, archiveJid, parsed = *parsed,
                                               send = std::move(send)](const ArchiveStore::Page &page) {
        if (page.status == ArchiveStore::Page::Status::ItemNotFound) {
            send(errorReply(iq, requester, archiveJid, StanzaError::Condition::ItemNotFound));
            return;
        }
        if (page.status == ArchiveStore::Page::Status::Failed) {
            qCWarning(lcStorage) << "archive query failed:" << page.error;
            send(errorReply(iq, requester, archiveJid, StanzaError::Condition::InternalServerError));
            return;
        }
        // §4.2: each row as a <result/> message to the querying resource, then the <fin/>.
        QList<ArchiveStore::Row> rows = page.rows;
        if (parsed.flip)
            std::reverse(rows.begin(), rows.end());
        for (const ArchiveStore::Row &row : std::as_const(rows)) {
            XmlElement original = StoredStanza::fromText(row.stanza);
            if (original.isNull())
                continue;
            original.setXmlns(ClientNs);
            XmlElement delay(u"delay"_s, DelayNs);
            delay.setAttribute(u"stamp"_s, formatDateTime(row.stamp));
            XmlElement forwarded(u"forwarded"_s, ForwardNs);
            forwarded.appendChild(delay);
            forwarded.appendChild(original);
            XmlElement result(u"result"_s, MamNs);
            if (!parsed.queryId.isEmpty())
                result.setAttribute(u"queryid"_s, parsed.queryId);
            result.setAttribute(u"id"_s, row.id);
            result.appendChild(forwarded);
            XmlElement message(u"message"_s);
            message.setAttribute(u"from"_s, archiveJid);
            message.setAttribute(u"to"_s, requester.toString());
            message.setAttribute(u"id"_s, QUuid::createUuid().toString(QUuid::WithoutBraces));
            message.appendChild(result);
            send(message);
        }

        XmlElement rsm(u"set"_s, RsmNs);
        if (!page.rows.isEmpty()) {
            XmlElement first(u"first"_s);
            if (page.firstIndex >= 0)
                first.setAttribute(u"index"_s, QString::number(page.firstIndex));
            first.appendText(page.rows.first().id);
            rsm.appendChild(first);
            rsm.appendTextElement(u"last"_s, page.rows.last().id);
        }
        if (page.count >= 0)
            rsm.appendTextElement(u"count"_s, QString::number(page.count));
        XmlElement fin(u"fin"_s, MamNs);
        if (page.complete)
            fin.setAttribute(u"complete"_s, u"true"_s);
        if (parsed.flip)
            fin.setAttribute(u"flip-page"_s, u"true"_s);   // harmless to clients that ignore it
        fin.appendChild(rsm);
        XmlElement result = StanzaRouter::makeIqResult(iq);
        result.appendChild(fin);
        send(result);
    });
}

void MamQuery::metadata(const XmlElement &iq, const Jid &requester, const ArchiveStore::Owner &owner,
                        const QString &archiveJid, Send send) const
{
    // #extended: the first and last row of the archive (two one-row pages, asked in turn so
    // that both see the same archive order).
    ArchiveStore::Query firstQuery;
    firstQuery.max = 1;
    firstQuery.wantCount = false;
    ArchiveStore::Query lastQuery = firstQuery;
    lastQuery.rsmBefore = QString();
    const ArchiveStore *store = m_store;
    store->queryAsync(owner, firstQuery, [=, send = std::move(send)](const ArchiveStore::Page &first) {
        store->queryAsync(owner, lastQuery, [=](const ArchiveStore::Page &last) {
            if (first.status != ArchiveStore::Page::Status::Ok || last.status != ArchiveStore::Page::Status::Ok) {
                send(errorReply(iq, requester, archiveJid, StanzaError::Condition::InternalServerError));
                return;
            }
            XmlElement metadata(u"metadata"_s, MamNs);
            if (!first.rows.isEmpty() && !last.rows.isEmpty()) {
                const std::pair<QString, ArchiveStore::Row> ends[] = {{u"start"_s, first.rows.first()},
                                                                      {u"end"_s, last.rows.first()}};
                for (const auto &[name, row] : ends) {
                    XmlElement e(name);
                    e.setAttribute(u"id"_s, row.id);
                    e.setAttribute(u"timestamp"_s, formatDateTime(row.stamp));
                    metadata.appendChild(e);
                }
            }
            XmlElement result = StanzaRouter::makeIqResult(iq);
            result.appendChild(metadata);
            send(result);
        });
    });
}

XmlElement MamQuery::formResult(const XmlElement &iq)
{
    // §4.1.1: the fields a query may use.
    XmlElement form(u"x"_s, DataNs);
    form.setAttribute(u"type"_s, u"form"_s);
    form.appendChild(field(u"FORM_TYPE"_s, u"hidden"_s, MamNs));
    form.appendChild(field(u"with"_s, u"jid-single"_s));
    form.appendChild(field(u"start"_s, u"text-single"_s));
    form.appendChild(field(u"end"_s, u"text-single"_s));
    form.appendChild(field(u"after-id"_s, u"text-single"_s));
    form.appendChild(field(u"before-id"_s, u"text-single"_s));
    form.appendChild(field(u"ids"_s, u"text-multi"_s));
    XmlElement query(u"query"_s, MamNs);
    query.appendChild(form);
    XmlElement result = StanzaRouter::makeIqResult(iq);
    result.appendChild(query);
    return result;
}
