#include "modules/SubscriptionState.h"

#include <QTest>

using namespace Qt::StringLiterals;
using namespace SubscriptionState;

// RFC 6121 Appendix A, every row of every table: A.2 (the user's server, outbound) and A.3 (the
// contact's server, inbound). Pre-approval is not supported, so "None" + outbound "subscribed"
// stays a no-op.
class TestSubscriptionStates : public QObject
{
    Q_OBJECT

private:
    static void row(Type type, State current, bool route, State next, bool autoReply = false)
    {
        const QString name = typeName(type) + u": "_s + stateName(current);
        QTest::newRow(name.toUtf8().constData()) << int(type) << int(current) << route << int(next) << autoReply;
    }
    static void columns()
    {
        QTest::addColumn<int>("type");
        QTest::addColumn<int>("current");
        QTest::addColumn<bool>("route");
        QTest::addColumn<int>("next");
        QTest::addColumn<bool>("autoReply");
    }

private Q_SLOTS:
    void outbound_data()
    {
        columns();
        using S = State;
        // A.2.1 subscribe
        row(Type::Subscribe, S::None, true, S::NonePendingOut);
        row(Type::Subscribe, S::NonePendingOut, true, S::NonePendingOut);
        row(Type::Subscribe, S::NonePendingIn, true, S::NonePendingOutIn);
        row(Type::Subscribe, S::NonePendingOutIn, true, S::NonePendingOutIn);
        row(Type::Subscribe, S::To, true, S::To);
        row(Type::Subscribe, S::ToPendingIn, true, S::ToPendingIn);
        row(Type::Subscribe, S::From, true, S::FromPendingOut);
        row(Type::Subscribe, S::FromPendingOut, true, S::FromPendingOut);
        row(Type::Subscribe, S::Both, true, S::Both);
        // A.2.2 unsubscribe
        row(Type::Unsubscribe, S::None, true, S::None);
        row(Type::Unsubscribe, S::NonePendingOut, true, S::None);
        row(Type::Unsubscribe, S::NonePendingIn, true, S::NonePendingIn);
        row(Type::Unsubscribe, S::NonePendingOutIn, true, S::NonePendingIn);
        row(Type::Unsubscribe, S::To, true, S::None);
        row(Type::Unsubscribe, S::ToPendingIn, true, S::NonePendingIn);
        row(Type::Unsubscribe, S::From, true, S::From);
        row(Type::Unsubscribe, S::FromPendingOut, true, S::From);
        row(Type::Unsubscribe, S::Both, true, S::From);
        // A.2.3 subscribed
        row(Type::Subscribed, S::None, false, S::None);
        row(Type::Subscribed, S::NonePendingOut, false, S::NonePendingOut);
        row(Type::Subscribed, S::NonePendingIn, true, S::From);
        row(Type::Subscribed, S::NonePendingOutIn, true, S::FromPendingOut);
        row(Type::Subscribed, S::To, false, S::To);
        row(Type::Subscribed, S::ToPendingIn, true, S::Both);
        row(Type::Subscribed, S::From, false, S::From);
        row(Type::Subscribed, S::FromPendingOut, false, S::FromPendingOut);
        row(Type::Subscribed, S::Both, false, S::Both);
        // A.2.4 unsubscribed
        row(Type::Unsubscribed, S::None, false, S::None);
        row(Type::Unsubscribed, S::NonePendingOut, false, S::NonePendingOut);
        row(Type::Unsubscribed, S::NonePendingIn, true, S::None);
        row(Type::Unsubscribed, S::NonePendingOutIn, true, S::NonePendingOut);
        row(Type::Unsubscribed, S::To, false, S::To);
        row(Type::Unsubscribed, S::ToPendingIn, true, S::To);
        row(Type::Unsubscribed, S::From, true, S::None);
        row(Type::Unsubscribed, S::FromPendingOut, true, S::NonePendingOut);
        row(Type::Unsubscribed, S::Both, true, S::To);
    }

    void outbound()
    {
        QFETCH(int, type);
        QFETCH(int, current);
        QFETCH(bool, route);
        QFETCH(int, next);
        QFETCH(bool, autoReply);
        const Transition t = SubscriptionState::outbound(State(current), Type(type));
        QCOMPARE(stateName(t.next), stateName(State(next)));
        QCOMPARE(t.route, route);
        QCOMPARE(t.autoReplySubscribed, autoReply);
    }

    void inbound_data()
    {
        columns();
        using S = State;
        // A.3.1 subscribe ("no *": the server replies "subscribed" on the user's behalf)
        row(Type::Subscribe, S::None, true, S::NonePendingIn);
        row(Type::Subscribe, S::NonePendingOut, true, S::NonePendingOutIn);
        row(Type::Subscribe, S::NonePendingIn, false, S::NonePendingIn);
        row(Type::Subscribe, S::NonePendingOutIn, false, S::NonePendingOutIn);
        row(Type::Subscribe, S::To, true, S::ToPendingIn);
        row(Type::Subscribe, S::ToPendingIn, false, S::ToPendingIn);
        row(Type::Subscribe, S::From, false, S::From, true);
        row(Type::Subscribe, S::FromPendingOut, false, S::FromPendingOut, true);
        row(Type::Subscribe, S::Both, false, S::Both, true);
        // A.3.2 unsubscribe
        row(Type::Unsubscribe, S::None, false, S::None);
        row(Type::Unsubscribe, S::NonePendingOut, false, S::NonePendingOut);
        row(Type::Unsubscribe, S::NonePendingIn, true, S::None);
        row(Type::Unsubscribe, S::NonePendingOutIn, true, S::NonePendingOut);
        row(Type::Unsubscribe, S::To, false, S::To);
        row(Type::Unsubscribe, S::ToPendingIn, true, S::To);
        row(Type::Unsubscribe, S::From, true, S::None);
        row(Type::Unsubscribe, S::FromPendingOut, true, S::NonePendingOut);
        row(Type::Unsubscribe, S::Both, true, S::To);
        // A.3.3 subscribed
        row(Type::Subscribed, S::None, false, S::None);
        row(Type::Subscribed, S::NonePendingOut, true, S::To);
        row(Type::Subscribed, S::NonePendingIn, false, S::NonePendingIn);
        row(Type::Subscribed, S::NonePendingOutIn, true, S::ToPendingIn);
        row(Type::Subscribed, S::To, false, S::To);
        row(Type::Subscribed, S::ToPendingIn, false, S::ToPendingIn);
        row(Type::Subscribed, S::From, false, S::From);
        row(Type::Subscribed, S::FromPendingOut, true, S::Both);
        row(Type::Subscribed, S::Both, false, S::Both);
        // A.3.4 unsubscribed
        row(Type::Unsubscribed, S::None, false, S::None);
        row(Type::Unsubscribed, S::NonePendingOut, true, S::None);
        row(Type::Unsubscribed, S::NonePendingIn, false, S::NonePendingIn);
        row(Type::Unsubscribed, S::NonePendingOutIn, true, S::NonePendingIn);
        row(Type::Unsubscribed, S::To, true, S::None);
        row(Type::Unsubscribed, S::ToPendingIn, true, S::NonePendingIn);
        row(Type::Unsubscribed, S::From, false, S::From);
        row(Type::Unsubscribed, S::FromPendingOut, true, S::From);
        row(Type::Unsubscribed, S::Both, true, S::From);
    }

    void inbound()
    {
        QFETCH(int, type);
        QFETCH(int, current);
        QFETCH(bool, route);
        QFETCH(int, next);
        QFETCH(bool, autoReply);
        const Transition t = SubscriptionState::inbound(State(current), Type(type));
        QCOMPARE(stateName(t.next), stateName(State(next)));
        QCOMPARE(t.route, route);
        QCOMPARE(t.autoReplySubscribed, autoReply);
    }

    // Every state survives the trip through a roster item (subscription, ask, pending-in).
    void itemRoundTrip_data()
    {
        QTest::addColumn<int>("state");
        QTest::addColumn<QString>("subscription");
        QTest::addColumn<bool>("ask");
        QTest::addColumn<bool>("pendingIn");
        QTest::newRow("None") << int(State::None) << u"none"_s << false << false;
        QTest::newRow("None + Pending Out") << int(State::NonePendingOut) << u"none"_s << true << false;
        QTest::newRow("None + Pending In") << int(State::NonePendingIn) << u"none"_s << false << true;
        QTest::newRow("None + Pending Out/In") << int(State::NonePendingOutIn) << u"none"_s << true << true;
        QTest::newRow("To") << int(State::To) << u"to"_s << false << false;
        QTest::newRow("To + Pending In") << int(State::ToPendingIn) << u"to"_s << false << true;
        QTest::newRow("From") << int(State::From) << u"from"_s << false << false;
        QTest::newRow("From + Pending Out") << int(State::FromPendingOut) << u"from"_s << true << false;
        QTest::newRow("Both") << int(State::Both) << u"both"_s << false << false;
    }

    void itemRoundTrip()
    {
        QFETCH(int, state);
        QFETCH(QString, subscription);
        QFETCH(bool, ask);
        QFETCH(bool, pendingIn);
        RosterItem item;
        applyToItem(State(state), &item);
        QCOMPARE(RosterItem::subscriptionName(item.subscription), subscription);
        QCOMPARE(item.pendingOut, ask);
        QCOMPARE(item.pendingIn, pendingIn);
        QCOMPARE(stateName(ofItem(item)), stateName(State(state)));
    }

    void typeNames()
    {
        for (Type t : {Type::Subscribe, Type::Subscribed, Type::Unsubscribe, Type::Unsubscribed})
            QCOMPARE(typeFromName(typeName(t)), std::optional<Type>(t));
        QCOMPARE(typeFromName(u"probe"_s), std::nullopt);
        QCOMPARE(typeFromName(QString()), std::nullopt);
    }
};

QTEST_GUILESS_MAIN(TestSubscriptionStates)
#include "tst_subscriptionstates.moc"
