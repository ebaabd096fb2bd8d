#pragma once

// What the console tests share around the embedded server: its configuration and the
// screenshot they leave for the README.

#include "base/ServerConfig.h"

#include <QDir>
#include <QHostAddress>
#include <QImage>
#include <QTest>
#include <QWidget>

namespace console_test {

// The embedded server of a console test: loopback only, ports the system picks, and cheap SCRAM
// so that logins are quick.
inline ServerConfig loopbackConfig(const QString &dataDir)
{
    ServerConfig config;
    config.domain = QStringLiteral("localhost");
    config.dataDir = dataDir;
    config.bindAddress = QHostAddress(QHostAddress::LocalHost);
    config.c2sPort = 0;
    config.c2sTlsPort = 0;
    config.scramIterations = 4096;
    return config;
}

// Writes `window`'s picture as `name` into SWITCHBOARD_SCREENSHOT_DIR, which ctest sets to the
// build tree (scripts/update-screenshot.sh points it at docs/); run by hand, nothing is written.
inline void saveScreenshot(QWidget *window, const QString &name)
{
    QTest::qWait(300);   // let the layout settle
    const QImage image = window->grab().toImage();
    QVERIFY(!image.isNull());
    const QString dir = qEnvironmentVariable("SWITCHBOARD_SCREENSHOT_DIR");
    if (dir.isEmpty())
        return;
    QVERIFY(QDir().mkpath(dir));
    const QString path = QDir(dir).filePath(name);
    QVERIFY2(image.save(path), qPrintable(path));
    qInfo("wrote %s (%dx%d)", qPrintable(path), image.width(), image.height());
}

} // namespace console_test
