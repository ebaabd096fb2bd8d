#include "SessionDetailsPane.h"

#include "ServerLink.h"
#include "SessionTableModel.h"
#include "TimelineView.h"
#include "UserProfileView.h"

#include <QApplication>
#include <QCheckBox>
#include <QClipboard>
#include <QFontDatabase>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QScrollArea>
#include <QTabWidget>
#include <QTimer>
#include <QTreeWidget>
#include <QVBoxLayout>

using namespace Qt::StringLiterals;

namespace {

constexpr int ConsoleCapacity = 500;
constexpr int DetailsIntervalMs = 1000;

// The session model's fields (docs/ARCHITECTURE.md), then what the console adds.
const char *const SeedFields[] = {"conn", "notopen", "type", "username", "host", "resource", "full_jid",
                                  "priority", "presence", "interested", "roster"};
const char *const ExtraFields[] = {"tls", "sasl", "client", "connected since", "last activity", "traffic",
                                   "stream management", "round trip"};

QString typeName(SessionSnapshot::Type type)
{
    switch (type) {
    case SessionSnapshot::Type::Unauthenticated: return u"c2s_unauthed"_s;
    case SessionSnapshot::Type::Authenticated: return u"c2s_unbound"_s;
    case SessionSnapshot::Type::Bound: return u"c2s"_s;
    }
    return QString();
}

QString peer(const SessionSnapshot &s)
{
    if (s.peerAddress.protocol() == QAbstractSocket::IPv6Protocol)
        return u"[%1]:%2"_s.arg(s.peerAddress.toString()).arg(s.peerPort);
    return u"%1:%2"_s.arg(s.peerAddress.toString()).arg(s.peerPort);
}

QString nil()
{
    return u"nil"_s;
}

} // namespace

SessionDetailsPane::SessionDetailsPane(ServerLink *link, QWidget *parent)
    : QWidget(parent)
    , m_link(link)
    , m_title(new QLabel(this))
    , m_tabs(new QTabWidget(this))
    , m_roster(new QTreeWidget(this))
    , m_others(new QTreeWidget(this))
    , m_timeline(new TimelineView(this))
    , m_profile(new UserProfileView(link, this))
    , m_consoleView(new QPlainTextEdit(this))
    , m_pause(new QCheckBox(tr("&Pause"), this))
    , m_console(ConsoleCapacity)
    , m_detailsTimer(new QTimer(this))
{
    setObjectName(u"sessionDetails"_s);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    QFont titleFont = m_title->font();
    titleFont.setBold(true);
    titleFont.setPointSizeF(titleFont.pointSizeF() * 1.15);
    m_title->setFont(titleFont);
    m_title->setTextInteractionFlags(Qt::TextSelectableByMouse);
    layout->addWidget(m_title);

    // The session structure.
    auto *fieldsWidget = new QWidget;
    auto *form = new QFormLayout(fieldsWidget);
    form->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
    auto addField = [&](const QString &name, bool seed) {
        auto *value = new QLabel(fieldsWidget);
        value->setObjectName(u"field_"_s + name);
        value->setTextInteractionFlags(Qt::TextSelectableByMouse);
        value->setWordWrap(true);
        auto *label = new QLabel(seed ? u"<tt>%1</tt>"_s.arg(name) : name + u':', fieldsWidget);
        form->addRow(label, value);
        m_fields.insert(name, value);
    };
    for (const char *name : SeedFields)
        addField(QString::fromLatin1(name), true);
    for (const char *name : ExtraFields)
        addField(QString::fromLatin1(name), false);
    auto *scroll = new QScrollArea;
    scroll->setWidget(fieldsWidget);
    scroll->setWidgetResizable(true);
    scroll->setFrameShape(QFrame::NoFrame);
    m_tabs->addTab(scroll, tr("Session"));

    m_roster->setObjectName(u"roster"_s);
    m_roster->setRootIsDecorated(false);
    m_roster->setUniformRowHeights(true);
    m_roster->setSortingEnabled(true);
    m_roster->setHeaderLabels({tr("Contact"), tr("Name"), tr("Subscription"), tr("Groups")});
    m_roster->sortByColumn(0, Qt::AscendingOrder);
    m_tabs->addTab(m_roster, tr("Roster"));

    m_others->setObjectName(u"otherSessions"_s);
    m_others->setRootIsDecorated(false);
    m_others->setUniformRowHeights(true);
    m_others->setHeaderLabels({tr("Session"), tr("State"), tr("Address"), tr("Since")});
    m_others->setToolTip(tr("Double-click to show that session"));
    connect(m_others, &QTreeWidget::itemDoubleClicked, this, [this](QTreeWidgetItem *item) {
        Q_EMIT sessionActivated(item->data(0, Qt::UserRole).toULongLong());
    });
    m_tabs->addTab(m_others, tr("Other sessions"));
    m_tabs->addTab(m_timeline, tr("Timeline"));
    // Rooms (XEP-0045) the session is an occupant of.
    m_rooms = new QTreeWidget(this);
    m_rooms->setObjectName(u"sessionRooms"_s);
    m_rooms->setRootIsDecorated(false);
    m_rooms->setUniformRowHeights(true);
    m_rooms->setHeaderLabels({tr("Room"), tr("Nickname"), tr("Role"), tr("Affiliation")});
    m_tabs->addTab(m_rooms, tr("Rooms"));
    m_roomsTimer = new QTimer(this);
    m_roomsTimer->setSingleShot(true);
    m_roomsTimer->setInterval(200);
    connect(m_roomsTimer, &QTimer::timeout, this, &SessionDetailsPane::refreshRooms);
    connect(m_link, &ServerLink::mucOccupantsChanged, this, [this] {
        if (!m_roomsJid.isEmpty() && !m_roomsTimer->isActive())
            m_roomsTimer->start();
    });
    m_tabs->addTab(m_profile, tr("Profile"));

    // The XML console.
    auto *consoleWidget = new QWidget;
    auto *consoleLayout = new QVBoxLayout(consoleWidget);
    consoleLayout->setContentsMargins(0, 0, 0, 0);
    m_consoleView->setObjectName(u"xmlConsole"_s);
    m_consoleView->setReadOnly(true);
    m_consoleView->setLineWrapMode(QPlainTextEdit::NoWrap);
    m_consoleView->setMaximumBlockCount(ConsoleCapacity);
    m_consoleView->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    m_consoleView->setPlaceholderText(tr("Traffic of the selected session appears here as it happens."));
    consoleLayout->addWidget(m_consoleView);
    auto *buttons = new QHBoxLayout;
    m_pause->setObjectName(u"pause"_s);
    m_pause->setToolTip(tr("Freeze the view; traffic is still recorded"));
    connect(m_pause, &QCheckBox::toggled, this, [this](bool paused) {
        if (!paused)
            rebuildConsoleView();
    });
    auto *copy = new QPushButton(tr("&Copy"), consoleWidget);
    copy->setObjectName(u"copy"_s);
    copy->setToolTip(tr("Copy the selection, or the whole console when nothing is selected"));
    connect(copy, &QPushButton::clicked, this, &SessionDetailsPane::copyConsole);
    auto *clear = new QPushButton(tr("C&lear"), consoleWidget);
    connect(clear, &QPushButton::clicked, this, [this] {
        m_console.clear();
        m_consoleView->clear();
    });
    buttons->addWidget(m_pause);
    buttons->addStretch();
    buttons->addWidget(copy);
    buttons->addWidget(clear);
    consoleLayout->addLayout(buttons);
    m_tabs->addTab(consoleWidget, tr("XML console"));
    layout->addWidget(m_tabs, 1);

    m_detailsTimer->setSingleShot(true);
    connect(m_detailsTimer, &QTimer::timeout, this, &SessionDetailsPane::requestDetails);
    connect(m_link, &ServerLink::sessionDetails, this, &SessionDetailsPane::onDetails);
    connect(m_link, &ServerLink::traffic, this, &SessionDetailsPane::onTraffic);
    showSession(0);
}

SessionDetailsPane::~SessionDetailsPane()
{
    if (m_id)
        m_link->setWatched(m_id, false);
}

void SessionDetailsPane::showSession(quint64 id, const SessionSnapshot *snapshot)
{
    if (id != m_id) {
        if (m_id)
            m_link->setWatched(m_id, false);
        m_id = id;
        m_closed = false;
        m_console.clear();
        m_consoleView->clear();
        m_roster->clear();
        m_others->clear();
        m_roomsJid.clear();
        m_rooms->clear();
        m_timeline->setTimeline(SessionTimeline());
        for (QLabel *label : std::as_const(m_fields))
            label->clear();
        if (m_id) {
            m_link->setWatched(m_id, true);
            requestDetails();
        }
    }
    setEnabled(m_id != 0);
    if (!m_id) {
        m_title->setText(tr("No session selected"));
        return;
    }
    if (snapshot)
        fillFields(*snapshot);
}

void SessionDetailsPane::sessionChanged(const SessionSnapshot &snapshot)
{
    if (snapshot.id != m_id)
        return;
    fillFields(snapshot);
    // Roster and other sessions come from the server: refresh them, at most once a second.
    if (!m_detailsTimer->isActive()) {
        const qint64 since = m_sinceRequest.isValid() ? m_sinceRequest.elapsed() : DetailsIntervalMs;
        m_detailsTimer->start(int(qMax<qint64>(0, DetailsIntervalMs - since)));
    }
}

void SessionDetailsPane::sessionClosed()
{
    if (!m_id)
        return;
    m_closed = true;
    m_detailsTimer->stop();
    // Once more, for the timeline's closing step (the server keeps closed sessions' timelines).
    m_link->requestSessionDetails(m_id);
    m_title->setText(tr("%1 (closed)").arg(m_title->text()));
}

void SessionDetailsPane::requestDetails()
{
    if (!m_id || m_closed)
        return;
    m_sinceRequest.start();
    m_link->requestSessionDetails(m_id);
}

void SessionDetailsPane::setField(const QString &name, const QString &value)
{
    if (QLabel *label = m_fields.value(name)) {
        if (label->text() != value)
            label->setText(value);
    }
}

QString SessionDetailsPane::fieldText(const QString &seedField) const
{
    const QLabel *label = m_fields.value(seedField);
    return label ? label->text() : QString();
}

int SessionDetailsPane::rosterItemCount() const
{
    return m_roster->topLevelItemCount();
}

int SessionDetailsPane::otherSessionCount() const
{
    return m_others->topLevelItemCount();
}

void SessionDetailsPane::fillFields(const SessionSnapshot &s)
{
    const bool bound = s.type == SessionSnapshot::Type::Bound;
    m_title->setText(bound ? s.fullJid
                           : (s.username.isEmpty() ? tr("Connection from %1").arg(peer(s))
                                                   : tr("%1 (no resource yet)").arg(s.username)));
    setField(u"conn"_s, tr("%1, %2").arg(peer(s), s.transport == u"websocket"_s ? tr("WebSocket (RFC 7395) over TLS")
                                                   : s.encrypted ? (s.directTls ? tr("direct TLS") : tr("STARTTLS"))
                                                               : tr("not encrypted")));
    setField(u"type"_s, typeName(s.type));
    setField(u"username"_s, s.username.isEmpty() ? nil() : s.username);
    setField(u"full_jid"_s, bound ? s.fullJid : nil());
    setField(u"resource"_s, bound ? s.fullJid.section(u'/', 1) : nil());
    setField(u"priority"_s, QString::number(s.priority));
    if (!s.available) {
        setField(u"presence"_s, nil());
    } else if (fieldText(u"presence"_s) == nil() || fieldText(u"presence"_s).isEmpty()) {
        setField(u"presence"_s, s.presenceShow.isEmpty() ? tr("available") : s.presenceShow);
    }
    setField(u"interested"_s, s.interested ? u"true"_s : nil());
    setField(u"roster"_s, bound ? tr("%n item(s)", nullptr, s.rosterSize) : nil());
    setField(u"tls"_s, s.encrypted ? tr("%1 %2").arg(s.tlsProtocol, s.tlsCipher) : tr("none"));
    setField(u"sasl"_s, s.saslMechanism.isEmpty() ? tr("—") : s.saslMechanism);
    setField(u"client"_s, s.client().isEmpty() ? tr("unknown") : s.client());
    setField(u"round trip"_s, s.rttMs >= 0 ? tr("%1 ms (last server ping)").arg(s.rttMs) : tr("no ping answered yet"));
    setField(u"connected since"_s, s.connectedSince.toLocalTime().toString(u"yyyy-MM-dd HH:mm:ss"_s));
    setField(u"last activity"_s, s.lastActivity.toLocalTime().toString(u"yyyy-MM-dd HH:mm:ss"_s));
    setField(u"traffic"_s, tr("%1 stanzas in, %2 out; %3 in, %4 out")
                               .arg(s.stanzasIn)
                               .arg(s.stanzasOut)
                               .arg(SessionTableModel::formatBytes(s.bytesIn), SessionTableModel::formatBytes(s.bytesOut)));
    // XEP-0198: on or off, what the client has not acknowledged; hibernating: no connection.
    setField(u"stream management"_s, s.sm ? tr("on, %n unacknowledged", nullptr, s.smUnacked) : tr("off"));
    if (s.hibernating)
        setField(u"conn"_s, tr("nil (hibernating until %1)")
                                .arg(s.hibernatingUntil.toLocalTime().toString(u"yyyy-MM-dd HH:mm:ss"_s)));
}

void SessionDetailsPane::onDetails(const SessionDetails &details)
{
    if (details.id != m_id || !m_id)
        return;
    if (!details.timeline.isNull())
        m_timeline->setTimeline(details.timeline);
    if (!details.found) {
        if (!m_closed)
            sessionClosed();
        return;
    }
    fillFields(details.snapshot);
    m_profile->showUser(details.snapshot.username);
    if (m_roomsJid != details.snapshot.fullJid || m_rooms->topLevelItemCount() == 0) {
        m_roomsJid = details.snapshot.fullJid;
        refreshRooms();
    }
    setField(u"type"_s, details.type);
    setField(u"notopen"_s, details.notopen ? u"true"_s : nil());
    setField(u"host"_s, details.host.isEmpty() ? nil() : details.host);
    setField(u"resource"_s, details.resource.isEmpty() ? nil() : details.resource);
    setField(u"presence"_s, details.presence.isEmpty() ? nil() : details.presence);

    m_roster->setSortingEnabled(false);
    m_roster->clear();
    QList<QTreeWidgetItem *> items;
    for (const RosterItem &item : details.roster) {
        QString subscription = RosterItem::subscriptionName(item.subscription);
        if (item.pendingOut)
            subscription += tr(" (asked)");
        if (item.pendingIn)
            subscription += tr(" (pending in)");
        items.append(new QTreeWidgetItem(QStringList{item.jid.toString(), item.name, subscription,
                                                     item.groups.join(u", "_s)}));
    }
    m_roster->addTopLevelItems(items);
    m_roster->setSortingEnabled(true);
    if (details.snapshot.type == SessionSnapshot::Type::Bound)
        setField(u"roster"_s, tr("%n item(s), version %1", nullptr, int(details.roster.size())).arg(details.rosterVersion));

    m_others->clear();
    for (const SessionSnapshot &other : details.otherSessions) {
        auto *row = new QTreeWidgetItem(QStringList{
            other.fullJid.isEmpty() ? tr("%1 (no resource yet)").arg(other.username) : other.fullJid,
            SessionTableModel::stateName(SessionTableModel::stateOf(other)), peer(other),
            other.connectedSince.toLocalTime().toString(u"HH:mm:ss"_s)});
        row->setData(0, Qt::UserRole, QVariant::fromValue(other.id));
        m_others->addTopLevelItem(row);
    }
}

void SessionDetailsPane::showTimeline()
{
    m_tabs->setCurrentWidget(m_timeline);
}

void SessionDetailsPane::onTraffic(quint64 id, bool incoming, const QByteArray &data)
{
    if (id != m_id || !m_id)
        return;
    if (!m_console.append(incoming, data) || m_pause->isChecked())
        return;   // nothing worth showing (whitespace), or the view is frozen
    m_consoleView->appendPlainText(XmlConsoleBuffer::format(m_console.last()));
}

bool SessionDetailsPane::isPaused() const
{
    return m_pause->isChecked();
}

void SessionDetailsPane::setPaused(bool paused)
{
    m_pause->setChecked(paused);
}

void SessionDetailsPane::rebuildConsoleView()
{
    m_consoleView->setPlainText(m_console.toText());
    m_consoleView->moveCursor(QTextCursor::End);
}

void SessionDetailsPane::copyConsole()
{
    QString selected = m_consoleView->textCursor().selectedText();
    selected.replace(QChar::ParagraphSeparator, u'\n');
    QApplication::clipboard()->setText(selected.isEmpty() ? m_console.toText() : selected);
}

void SessionDetailsPane::refreshRooms()
{
    m_rooms->clear();
    if (m_roomsJid.isEmpty())
        return;
    for (const MucOccupantInfo &o : m_link->mucOccupancies(m_roomsJid))
        m_rooms->addTopLevelItem(new QTreeWidgetItem(
            QStringList{o.roomJid, o.nick, Muc::roleName(o.role), Muc::affiliationName(o.affiliation)}));
}
