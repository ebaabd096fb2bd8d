#!/usr/bin/env python3
"""Writes the hand-made seeds under fuzz/corpus/<target>/ (checked in; run again after changing a
target's input format). Seeds are small, valid-ish inputs that reach deep into each target.
The found-<sha1> files beside them are what a bench/fuzz.sh run added in coverage, kept after
`<target> -merge=1 NEW_DIR fuzz/corpus/<target> RUN_CORPUS` so that the CTest replay covers it."""

import base64
import hashlib
import hmac
import os

HERE = os.path.dirname(os.path.abspath(__file__))
HEADER = (b"<?xml version='1.0'?><stream:stream xmlns='jabber:client' "
          b"xmlns:stream='http://etherx.jabber.org/streams' to='localhost' version='1.0'>")


NAMESPACE_FORMS = {
    "xml-prefixed": b"<xml:data xmlns:x='urn:example:x' x:kind='v'/>",
    "xml-prefixed-children": b"<xml:data><inner>t</inner><y xmlns='urn:y'/></xml:data>",
    "xml-lang": b"<subject xml:lang='de'>B</subject><x xmlns='urn:x' xml:lang='fr'><y xml:lang='en'>t</y></x>",
    "rebound-prefix": b"<p:a xmlns:p='urn:1' p:x='1'><p:b xmlns:p='urn:2' p:y='2'>t</p:b><p:c p:z='3'/></p:a>",
    "undeclared-default": b"<outer xmlns='urn:a'><inner xmlns=''><leaf>t</leaf></inner><back/></outer>",
    "foreign-attributes": b"<f:e xmlns:f='urn:f' xmlns:g='urn:g' g:attr='1' f:attr='2' plain='3'>x<g:c/>y</f:e>",
    "one-uri-two-prefixes": b"<e xmlns='urn:s' xmlns:a='urn:s' a:t='1'><a:i/></e>",
    "refused-xml-uri": b"<e xmlns:p='http://www.w3.org/XML/1998/namespace'/>",
    "refused-xmlns-prefix": b"<xmlns:e/>",
}


def write(target, name, data):
    directory = os.path.join(HERE, "corpus", target)
    os.makedirs(directory, exist_ok=True)
    with open(os.path.join(directory, name), "wb") as f:
        f.write(data)


def streamparser():
    whole = bytes([0x7e])   # pieces of 64 bytes, production limits
    small = bytes([0x7f])   # pieces of 64 bytes, small limits
    bytewise = bytes([0x00])
    client = (HEADER + b"<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>\n"
              b"<iq type='get' id='r1'><query xmlns='jabber:iq:roster'><item jid='a@b' name='R &amp; J'>"
              b"<group>G&lt;1&gt; &#x263A;</group></item></query></iq> \n"
              b"<message to='b@localhost' type='chat' xml:lang='fr'><body>Bonjour \xc3\xa9 \xf0\x9f\x98\x80</body>"
              b"<x:data xmlns:x='urn:example:x' x:kind='v'/><![CDATA[<raw & text>]]></message>"
              b"</stream:stream>")
    write("fuzz_streamparser", "client-stream", whole + client)
    write("fuzz_streamparser", "client-stream-bytewise", bytewise + client)
    write("fuzz_streamparser", "restart", bytes([0xfe]) + HEADER + b"<a/><b/>" + HEADER + b"<c/>")
    laughs = b"<?xml version='1.0'?><!DOCTYPE s [<!ENTITY a 'aaaa'><!ENTITY b '&a;&a;&a;&a;'>]>"
    write("fuzz_streamparser", "billion-laughs", whole + laughs + HEADER[21:] + b"<message><body>&b;</body></message>")
    write("fuzz_streamparser", "external-entity",
          whole + b"<!DOCTYPE s [<!ENTITY x SYSTEM 'file:///etc/passwd'>]>" + HEADER[21:] + b"<m>&x;</m>")
    write("fuzz_streamparser", "deep", small + HEADER + b"<a>" * 10 + b"</a>" * 10)
    write("fuzz_streamparser", "attributes", small + HEADER + b"<a " + b" ".join(b"a%d='1'" % i for i in range(10)) + b"/>")
    write("fuzz_streamparser", "bad-utf8", whole + HEADER + b"<message><body>\xed\xa0\x80\xc0\xaf</body></message>")
    write("fuzz_streamparser", "nul", whole + HEADER + b"<message><body>a\x00b</body></message>")
    write("fuzz_streamparser", "comment-pi", whole + HEADER + b"<m><!-- c --><?pi x?></m>")
    write("fuzz_streamparser", "prefixes", whole + HEADER + b"<p:m xmlns:p='urn:p' p:a='1' xml:lang='en'><q xmlns='urn:q'/></p:m>")
    # Every namespace form (docs/ARCHITECTURE.md, "XML namespace model"), so the replay always
    # sends each through the serialiser and, where built in, libexpat.
    for name, payload in NAMESPACE_FORMS.items():
        write("fuzz_streamparser", "ns-" + name, whole + HEADER + b"<message>" + payload + b"</message>")
    write("fuzz_streamparser", "ns-stanza-no-namespace", whole + HEADER + b"<message xmlns=''><body>x</body></message>")
    write("fuzz_streamparser", "big", small + HEADER + b"<message><body>" + b"x" * 700 + b"</body></message>")


def jid():
    for i, text in enumerate(["user@example.com/res", "ÅNGSTRÖM@Example.COM/Ünïcode", "a@b@c", "@domain",
                              "user@[::1]/r", "user@192.168.0.1", "xn--bcher-kva.example", "juliet@example.com/foo bar",
                              "\u2163@example.com", "a@" + "b" * 1100, "user@example.com/", "user@.example",
                              "x@example.com./r/s", "\u00df@\u0130.com", "\ufb01@exa\u200bmple.com"]):
        write("fuzz_jid", "jid%02d" % i, text.encode())


def sasl():
    sep = b"\xff\xfe"
    write("fuzz_sasl", "plain-ok", bytes([0]) + b"\x00user\x00pencil")
    write("fuzz_sasl", "plain-authzid", bytes([4]) + b"user@localhost\x00user\x00pencil")
    write("fuzz_sasl", "plain-empty-then", bytes([0]) + sep + b"\x00user\x00wrong")
    salt = b"fuzz-salt-012345"
    for control, name, algo in ((1, "scram-sha1", "sha1"), (2, "scram-sha256", "sha256")):
        first_bare = b"n=user,r=CLIENTNONCE"
        server_first = b"r=CLIENTNONCESERVERNONCE,s=" + base64.b64encode(salt) + b",i=4096"
        final_bare = b"c=biws,r=CLIENTNONCESERVERNONCE"
        auth_message = first_bare + b"," + server_first + b"," + final_bare
        salted = hashlib.pbkdf2_hmac(algo, b"pencil", salt, 4096)
        client_key = hmac.new(salted, b"Client Key", algo).digest()
        stored_key = hashlib.new(algo, client_key).digest()
        signature = hmac.new(stored_key, auth_message, algo).digest()
        proof = bytes(a ^ b for a, b in zip(client_key, signature))
        final = final_bare + b",p=" + base64.b64encode(proof)
        write("fuzz_sasl", name + "-ok", bytes([control]) + b"n,," + first_bare + sep + final)
        write("fuzz_sasl", name + "-authzid", bytes([control | 4]) + b"n,a=user@localhost," + first_bare + sep + final)
        write("fuzz_sasl", name + "-unknown", bytes([control]) + b"n,,n=nobody,r=X" + sep + b"c=biws,r=XSERVERNONCE,p=AAAA")
        write("fuzz_sasl", name + "-escapes", bytes([control]) + b"y,,n=us=2Cer=3D,r=abc,e=ext")


def stanzas():
    def seed(name, sender, body):
        write("fuzz_stanzas", name, bytes([sender]) + body)
    seed("message", 0, b"<message to='bob@localhost' type='chat' id='m1'><body>hi</body></message>")
    seed("message-offline", 0, b"<message to='carol@localhost' type='chat'><body>later</body></message>")
    seed("message-full", 1, b"<message to='alice@localhost/fuzz'><body>x</body><request xmlns='urn:xmpp:receipts'/></message>")
    seed("roster", 0, b"<iq type='get' id='r1'><query xmlns='jabber:iq:roster' ver='0'/></iq>"
                      b"<iq type='set' id='r2'><query xmlns='jabber:iq:roster'><item jid='bob@localhost' name='Bob'>"
                      b"<group>Friends</group></item></query></iq>"
                      b"<iq type='set' id='r3'><query xmlns='jabber:iq:roster'><item jid='bob@localhost' subscription='remove'/></query></iq>")
    seed("subscribe", 0, b"<presence to='bob@localhost' type='subscribe'/><presence type='subscribed' to='bob@localhost'/>"
                         b"<presence to='bob@localhost' type='unsubscribe'/>")
    seed("subscribed", 1, b"<presence to='alice@localhost' type='subscribed'/><presence to='alice@localhost' type='subscribe'/>")
    seed("presence", 0, b"<presence><priority>5</priority><show>away</show><status>x</status></presence>"
                        b"<presence to='bob@localhost' type='probe'/><presence type='unavailable'/>")
    seed("ping-disco-version", 1, b"<iq type='get' id='p' to='localhost'><ping xmlns='urn:xmpp:ping'/></iq>"
                                  b"<iq type='get' id='d' to='localhost'><query xmlns='http://jabber.org/protocol/disco#info'/></iq>"
                                  b"<iq type='get' id='i' to='alice@localhost'><query xmlns='http://jabber.org/protocol/disco#items'/></iq>"
                                  b"<iq type='get' id='v' to='localhost'><query xmlns='jabber:iq:version'/></iq>")
    for name, payload in NAMESPACE_FORMS.items():
        seed("ns-" + name, 0, b"<message to='bob@localhost/fuzz' type='chat' id='n'><body>x</body>" + payload
             + b"</message><message to='bob@localhost' type='chat'>" + payload + b"</message>")
    seed("errors", 0, b"<message to='a@b@c'/><iq type='get'/><iq type='set' id='x'><a xmlns='u'/><b xmlns='u'/></iq>"
                      b"<message to='x@remote.example'><body/></message><iq type='result' id='z' to='bob@localhost/fuzz'/>")


if __name__ == "__main__":
    streamparser()
    jid()
    sasl()
    stanzas()
