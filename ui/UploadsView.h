#pragma once

#include <QWidget>

class QLabel;
class QPushButton;
class QTreeWidget;
class ServerLink;

// Uploaded files (XEP-0363): the limits, each user's usage against the quota, and every file
// (owner, name, size, type, date) with a delete that asks first; the server audits it.
class UploadsView final : public QWidget
{
    Q_OBJECT
public:
    explicit UploadsView(ServerLink *link, QWidget *parent = nullptr);

    void refresh();
    // The actions, also for tests: the selected file's id, and deleting one by id.
    QString selectedId() const;
    bool deleteUpload(const QString &id, bool ask = true);
    // Shown text, for tests: "USER: N file(s), X of Y" per row, and the status line.
    QStringList usageLines() const;
    QStringList fileIds() const;
    QString message() const;

protected:
    void showEvent(QShowEvent *event) override;

private:
    ServerLink *m_link;
    QLabel *m_summary;
    QTreeWidget *m_usage;
    QTreeWidget *m_files;
    QPushButton *m_refresh;
    QPushButton *m_delete;
    QLabel *m_message;
};
