#pragma once

#include "modules/MucService.h"

#include <QDialog>

class QComboBox;
class QLineEdit;

// Confirms one admin action on a room (kick, ban, affiliation, destroy): what it does and to
// whom, in words, the reason the occupants will see, and for an affiliation change the new
// affiliation. Accepted means "do it".
class RoomActionDialog final : public QDialog
{
    Q_OBJECT
public:
    enum class Action { Kick, Ban, Affiliation, Destroy };

    RoomActionDialog(Action action, const QString &room, const QString &target, QWidget *parent = nullptr);

    QString reason() const;
    void setReason(const QString &reason);
    Muc::Affiliation affiliation() const;   // Action::Affiliation only
    void setAffiliation(Muc::Affiliation affiliation);

private:
    QLineEdit *m_reason;
    QComboBox *m_affiliation = nullptr;
};
