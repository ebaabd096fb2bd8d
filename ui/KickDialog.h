#pragma once

#include "stanza/StreamError.h"

#include <QDialog>
#include <optional>

class QComboBox;
class QLabel;
class QLineEdit;

// Confirms a kick: what is kicked, the reason text sent to the client, and the stream error
// condition (policy-violation by default, reset, not-authorized, conflict, or none: a plain
// close after the reason-less </stream:stream>).
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

private:
    QLineEdit *m_reason;
    QComboBox *m_condition;
};
