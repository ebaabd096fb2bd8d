#pragma once

// Shared by the fuzz targets: a Qt application object (some classes want one) and silence (a
// log line per input would dominate the run time).

#include <QCoreApplication>
#include <QtGlobal>

#include <cstddef>
#include <cstdint>

namespace FuzzSupport {

inline void quietMessages(QtMsgType, const QMessageLogContext &, const QString &) {}

inline void init()
{
    static int argc = 1;
    static char name[] = "switchboard-fuzz";
    static char *argv[] = {name, nullptr};
    if (!QCoreApplication::instance()) {
        qInstallMessageHandler(quietMessages);
        new QCoreApplication(argc, argv);   // lives for the whole process
    }
}

} // namespace FuzzSupport

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
