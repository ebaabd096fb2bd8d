#include "KickDialog.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QVBoxLayout>

using namespace Qt::StringLiterals;

namespace {
// -1 in the combo box's data: no stream error.
constexpr int NoCondition = -1;
}

KickDialog::KickDialog(const QStringList &targets, QWidget *parent)
    : QDialog(parent)
    , m_reason(new QLineEdit(defaultReason(), this))
    , m_condition(new QComboBox(this))
{
    setWindowTitle(tr("Kick"));
    setObjectName(u"kickDialog"_s);
    m_reason->setObjectName(u"reason"_s);
    m_condition->setObjectName(u"condition"_s);

    auto *layout = new QVBoxLayout(this);
    QString what;
    const int shown = 8;
    for (qsizetype i = 0; i < targets.size() && i < shown; ++i)
        what += u"\n  "_s + targets[i];
    if (targets.size() > shown)
        what += u"\n  "_s + tr("… and %n more", nullptr, int(targets.size() - shown));
    auto *label = new QLabel(tr("Disconnect with a stream error:%1").arg(what), this);
    label->setTextInteractionFlags(Qt::TextSelectableByMouse);
    layout->addWidget(label);

    auto *form = new QFormLayout;
    form->addRow(tr("&Reason sent to the client:"), m_reason);
    const std::pair<int, QString> conditions[] = {
        {int(StreamError::Condition::PolicyViolation), tr("policy-violation (default)")},
        {int(StreamError::Condition::Reset), tr("reset (the client may reconnect at once)")},
        {int(StreamError::Condition::NotAuthorized), tr("not-authorized")},
        {int(StreamError::Condition::Conflict), tr("conflict")},
        {NoCondition, tr("none (close the stream without an error)")},
    };
    for (const auto &[value, text] : conditions)
        m_condition->addItem(text, value);
    form->addRow(tr("Stream &error condition:"), m_condition);
    layout->addLayout(form);

    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    buttons->button(QDialogButtonBox::Ok)->setText(tr("&Kick"));
    connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    layout->addWidget(buttons);
    m_reason->selectAll();
    m_reason->setFocus();
}

QString KickDialog::defaultReason()
{
    return tr("Kicked by the administrator");
}

QString KickDialog::reason() const
{
    return m_reason->text().trimmed();
}

void KickDialog::setReason(const QString &reason)
{
    m_reason->setText(reason);
}

std::optional<StreamError::Condition> KickDialog::condition() const
{
    const int value = m_condition->currentData().toInt();
    if (value == NoCondition)
        return std::nullopt;
    return StreamError::Condition(value);
}

void KickDialog::setCondition(std::optional<StreamError::Condition> condition)
{
    const int index = m_condition->findData(condition ? int(*condition) : NoCondition);
    if (index >= 0)
        m_condition->setCurrentIndex(index);
}
