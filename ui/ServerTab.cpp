#include "ServerTab.h"

#include "ServerLink.h"
#include "SessionTableModel.h"

#include <QChart>
#include <QChartView>
#include <QFormLayout>
#include <QGroupBox>
#include <QLabel>
#include <QLineSeries>
#include <QPainter>
#include <QTimer>
#include <QVBoxLayout>
#include <QValueAxis>

using namespace Qt::StringLiterals;

namespace {
constexpr int ChartSeconds = 120;
}

ServerTab::ServerTab(ServerLink *link, QWidget *parent)
    : QWidget(parent)
    , m_link(link)
    , m_chart(new QChart)
    , m_chartView(new QChartView(m_chart, this))
    , m_stanzas(new QLineSeries)
    , m_sessions(new QLineSeries)
    , m_axisX(new QValueAxis)
    , m_axisStanzas(new QValueAxis)
    , m_axisSessions(new QValueAxis)
{
    setObjectName(u"serverTab"_s);
    auto *layout = new QVBoxLayout(this);
    auto *box = new QGroupBox(tr("Server"), this);
    auto *form = new QFormLayout(box);
    const std::pair<QString, QString> fields[] = {
        {u"domain"_s, tr("Domain:")},
        {u"listening"_s, tr("Listening:")},
        {u"encryption"_s, tr("Encryption:")},
        {u"subject"_s, tr("Certificate subject:")},
        {u"fingerprint"_s, tr("SHA-256 fingerprint:")},
        {u"expiry"_s, tr("Certificate expires:")},
        {u"uptime"_s, tr("Uptime:")},
        {u"data"_s, tr("Data directory:")},
        {u"version"_s, tr("Version:")},
    };
    for (const auto &[name, label] : fields)
        form->addRow(label, addField(name, label));
    layout->addWidget(box);

    m_stanzas->setName(tr("stanzas/s"));
    m_sessions->setName(tr("sessions"));
    m_chart->addSeries(m_stanzas);
    m_chart->addSeries(m_sessions);
    m_axisX->setTitleText(tr("seconds"));
    m_axisX->setLabelFormat(u"%d"_s);
    m_axisX->setRange(-ChartSeconds, 0);
    m_axisStanzas->setTitleText(tr("stanzas/s"));
    m_axisStanzas->setLabelFormat(u"%d"_s);
    m_axisStanzas->setRange(0, 10);
    m_axisSessions->setTitleText(tr("sessions"));
    m_axisSessions->setLabelFormat(u"%d"_s);
    m_axisSessions->setRange(0, 10);
    m_chart->addAxis(m_axisX, Qt::AlignBottom);
    m_chart->addAxis(m_axisStanzas, Qt::AlignLeft);
    m_chart->addAxis(m_axisSessions, Qt::AlignRight);
    m_stanzas->attachAxis(m_axisX);
    m_stanzas->attachAxis(m_axisStanzas);
    m_sessions->attachAxis(m_axisX);
    m_sessions->attachAxis(m_axisSessions);
    m_chart->legend()->setAlignment(Qt::AlignTop);
    m_chart->setMargins(QMargins(4, 4, 4, 4));
    m_chartView->setObjectName(u"chart"_s);
    m_chartView->setRenderHint(QPainter::Antialiasing);
    m_chartView->setMinimumHeight(200);
    layout->addWidget(m_chartView, 1);

    connect(m_link, &ServerLink::statistics, this, &ServerTab::addStatistics);
    auto *uptime = new QTimer(this);
    connect(uptime, &QTimer::timeout, this, &ServerTab::updateUptime);
    uptime->start(1000);
    refresh();
}

QLabel *ServerTab::addField(const QString &name, const QString &)
{
    auto *value = new QLabel(this);
    value->setObjectName(u"server_"_s + name);
    value->setTextInteractionFlags(Qt::TextSelectableByMouse);
    value->setWordWrap(true);
    m_fields.append(value);
    return value;
}

QString ServerTab::fieldText(const QString &name) const
{
    const auto *label = findChild<QLabel *>(u"server_"_s + name);
    return label ? label->text() : QString();
}

int ServerTab::chartPointCount() const
{
    return int(m_stanzas->count());
}

void ServerTab::refresh()
{
    m_info = m_link->serverInfo();
    auto set = [this](const QString &name, const QString &text) {
        if (auto *label = findChild<QLabel *>(u"server_"_s + name))
            label->setText(text);
    };
    set(u"domain"_s, m_info.domain);
    QString listening = tr("%1:%2 (STARTTLS)").arg(m_info.bindAddress).arg(m_info.c2sPort);
    if (m_info.c2sTlsPort)
        listening += tr(", %1:%2 (direct TLS)").arg(m_info.bindAddress).arg(m_info.c2sTlsPort);
    set(u"listening"_s, listening);
    set(u"encryption"_s, m_info.requireEncryption ? tr("required") : tr("optional"));
    set(u"subject"_s, m_info.certificateSubject + (m_info.certificateSelfSigned ? tr(" (self-signed)") : QString()));
    set(u"fingerprint"_s, m_info.certificateFingerprint);
    const bool expired = m_info.certificateExpiry.isValid() && m_info.certificateExpiry < QDateTime::currentDateTimeUtc();
    set(u"expiry"_s, m_info.certificateExpiry.toLocalTime().toString(u"yyyy-MM-dd HH:mm"_s)
                         + (expired ? tr(" — EXPIRED") : QString()));
    set(u"data"_s, m_info.dataDir);
    set(u"version"_s, m_info.version);
    updateUptime();
}

void ServerTab::updateUptime()
{
    auto *label = findChild<QLabel *>(u"server_uptime"_s);
    if (!label)
        return;
    if (!m_info.startedAt.isValid() || !m_link->isRunning()) {
        label->setText(tr("stopped"));
        return;
    }
    label->setText(SessionTableModel::formatDuration(m_info.startedAt.secsTo(QDateTime::currentDateTimeUtc())));
}

void ServerTab::addStatistics(const ServerStats &stats)
{
    const qint64 seconds = stats.time.toSecsSinceEpoch();
    if (m_firstSample < 0)
        m_firstSample = seconds;
    const double x = double(seconds - m_firstSample);
    m_stanzaPoints.append(QPointF(x, stats.stanzasPerSecond));
    m_sessionPoints.append(QPointF(x, stats.connections));
    while (!m_stanzaPoints.isEmpty() && m_stanzaPoints.constFirst().x() < x - ChartSeconds) {
        m_stanzaPoints.removeFirst();
        m_sessionPoints.removeFirst();
    }
    m_stanzas->replace(m_stanzaPoints);
    m_sessions->replace(m_sessionPoints);
    double maxStanzas = 10;
    double maxSessions = 10;
    for (qsizetype i = 0; i < m_stanzaPoints.size(); ++i) {
        maxStanzas = qMax(maxStanzas, m_stanzaPoints[i].y());
        maxSessions = qMax(maxSessions, m_sessionPoints[i].y());
    }
    m_axisX->setRange(x - ChartSeconds, x);
    m_axisStanzas->setRange(0, maxStanzas * 1.15);
    m_axisSessions->setRange(0, maxSessions * 1.15);
}
