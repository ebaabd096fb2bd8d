#pragma once

#include "core/AdminTypes.h"

#include <QList>
#include <QPointF>
#include <QWidget>

class QChart;
class QChartView;
class QLabel;
class QLineSeries;
class QValueAxis;
class ServerLink;

// What the server is: domain, listening ports, certificate (subject, SHA-256 fingerprint,
// expiry), uptime, and a live chart of stanzas per second and sessions over the last minutes.
class ServerTab final : public QWidget
{
    Q_OBJECT
public:
    explicit ServerTab(ServerLink *link, QWidget *parent = nullptr);

    void refresh();
    void addStatistics(const ServerStats &stats);
    QString fieldText(const QString &name) const;
    int chartPointCount() const;

private:
    void updateUptime();
    QLabel *addField(const QString &name, const QString &label);

    ServerLink *m_link;
    ServerInfo m_info;
    QList<QLabel *> m_fields;
    QChart *m_chart;
    QChartView *m_chartView;
    QLineSeries *m_stanzas;
    QLineSeries *m_sessions;
    QValueAxis *m_axisX;
    QValueAxis *m_axisStanzas;
    QValueAxis *m_axisSessions;
    QList<QPointF> m_stanzaPoints;
    QList<QPointF> m_sessionPoints;
    qint64 m_firstSample = -1;
};
