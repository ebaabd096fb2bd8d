#pragma once

#include "stanza/StreamError.h"

#include <QDialog>
#include <optional>

class QComboBox;
class QLabel;
class QLineEdit;

// Confirms a kick: what is kicked, the reason text sent to the client, and the stream error
// condition (policy-violation by default, reset, not-authorized, conflict, or none: a plain
// close after the reason-less </stream:stream>), and whether to keep the account out for a
// while (none, 5 minutes, 1 hour, until re-enabled), with what the user's client will show.
class KickDialog final : public QDialog
{
    Q_OBJECT
public:
    explicit KickDialog(const QStringList &targets, QWidget *parent = nullptr);

    QString reason() const;
    void setReason(const QString &reason);
    std::optional<StreamError::Condition> condition() const;
    void setCondition(std::optional<StreamError::Condition> condition);

    static QString defaultReason();

    // "Keep out for": 0 none, 300, 3600, or -1 until re-enabled (the account is disabled).
    // Anything but none acts on the whole account with policy-violation (AdminService).
    int keepOutSeconds() const;
    void setKeepOutSeconds(int seconds);
    // What the user's client will show, as the dialog explains it.
    QString explanation() const;

private:
    void explain();

    QLineEdit *m_reason;
    QComboBox *m_condition;
    QComboBox *m_keepOut;
    QLabel *m_explanation;
};
