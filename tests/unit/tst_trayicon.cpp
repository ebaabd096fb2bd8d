// The icons compiled in from resources/: the application icon at every desktop size, and the
// tray icon of each server state with the session count painted on it.
#include "TrayIcon.h"

#include <QApplication>
#include <QImage>
#include <QTest>

class TstTrayIcon : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void applicationIconHasEverySize()
    {
        const QIcon icon = TrayIcon::applicationIcon();
        QVERIFY(!icon.isNull());
        for (int size : {16, 32, 48, 64, 128, 256}) {
            QCOMPARE(icon.pixmap(size, size).size(), QSize(size, size));
            QVERIFY(icon.availableSizes().contains(QSize(size, size)));
        }
        // Not an empty picture: the plate is opaque in the middle.
        const QImage image = icon.pixmap(64, 64).toImage();
        QCOMPARE(qAlpha(image.pixel(32, 32)), 255);
    }

    void trayIconShowsTheState()
    {
        const QImage idle = TrayIcon::makeIcon(0).pixmap(32, 32).toImage();
        const QImage active = TrayIcon::makeIcon(3).pixmap(32, 32).toImage();
        QVERIFY(!idle.isNull());
        QCOMPARE(qAlpha(idle.pixel(16, 16)), 255);
        // A jack in the top-left: grey while idle, green with sessions.
        const QColor idleJack = idle.pixelColor(8, 10);
        const QColor activeJack = active.pixelColor(8, 10);
        QVERIFY2(activeJack.green() > activeJack.red() + 60, qPrintable(activeJack.name()));
        QVERIFY2(qAbs(idleJack.green() - idleJack.red()) < 60, qPrintable(idleJack.name()));
        // The count's red badge in the bottom right, only with sessions.
        const QColor badge = active.pixelColor(28, 28);
        QVERIFY2(badge.red() > 150 && badge.green() < 100, qPrintable(badge.name()));
        QVERIFY(idle.pixelColor(28, 28) != badge);
    }
};

QTEST_MAIN(TstTrayIcon)
#include "tst_trayicon.moc"
