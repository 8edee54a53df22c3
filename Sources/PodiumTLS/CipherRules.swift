/// Checks a `tls-ciphers` rule string the way BoringSSL's `SSL_CTX_set_cipher_list` will judge it.
///
/// swift-nio-ssl hands `TLSConfiguration.cipherSuites` to `SSL_CTX_set_cipher_list` and stops the process with a
/// `precondition` if BoringSSL refuses it. A cipher list typed into CONFIG SET must never do that, so Podium decides
/// first, with BoringSSL's own rules (`ssl_cipher.cc`: `ssl_cipher_process_rulestr`, `ssl_cipher_apply_rule`,
/// `ssl_create_cipher_list`), whether the string would be accepted, and refuses it otherwise.
///
/// BoringSSL refuses a rule string for a syntax error (an operator inside a `[a|b]` group, `-`/`+`/`!`/`@` in a string
/// that has a group, an empty word, `@` followed by anything but `STRENGTH`, an unterminated group) or when the rules
/// select no TLS 1.2 cipher at all (`NO_CIPHER_MATCH`). Unknown words are skipped, not errors (non-strict mode), and
/// TLS 1.3 suites are never part of the list. Whether a cipher ends up in the list does not depend on the order of
/// the list, so this check only tracks which ciphers are selected; BoringSSL itself orders them.
enum CipherRules {
    /// What makes a string unacceptable; `nil` from `problem(in:)` means BoringSSL accepts it.
    enum Problem: Equatable {
        case syntax
        case noCipherMatch
    }

    // Bit values of BoringSSL's `SSL_CIPHER` fields (ssl/internal.h).
    private static let kRSA: UInt32 = 0x1, kECDHE: UInt32 = 0x2, kPSK: UInt32 = 0x4
    private static let aRSASign: UInt32 = 0x1, aRSADecrypt: UInt32 = 0x2, aECDSA: UInt32 = 0x4, aPSK: UInt32 = 0x8
    private static let e3DES: UInt32 = 0x1, eAES128: UInt32 = 0x2, eAES256: UInt32 = 0x4, eAES128GCM: UInt32 = 0x8
    private static let eAES256GCM: UInt32 = 0x10, eChaCha: UInt32 = 0x20
    private static let mSHA1: UInt32 = 0x1, mSHA256: UInt32 = 0x2, mAEAD: UInt32 = 0x4
    private static let all: UInt32 = ~0
    private static let ssl3: UInt16 = 0x0300, tls12: UInt16 = 0x0303

    /// One TLS 1.2-or-older cipher BoringSSL can put in its list.
    private struct Cipher {
        let name: String
        let standardName: String
        let mkey: UInt32, auth: UInt32, enc: UInt32, mac: UInt32
        /// The version the cipher was added in (`SSL_CIPHER_get_min_version`).
        let minVersion: UInt16
        /// `ssl_cipher_is_deprecated`: only added when a rule asks for deprecated ciphers.
        let deprecated: Bool
    }

    private static let ciphers: [Cipher] = [
        Cipher(
            name: "ECDHE-ECDSA-AES128-GCM-SHA256", standardName: "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
            mkey: kECDHE, auth: aECDSA, enc: eAES128GCM, mac: mAEAD, minVersion: tls12, deprecated: false),
        Cipher(
            name: "ECDHE-RSA-AES128-GCM-SHA256", standardName: "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
            mkey: kECDHE, auth: aRSASign, enc: eAES128GCM, mac: mAEAD, minVersion: tls12, deprecated: false),
        Cipher(
            name: "ECDHE-ECDSA-AES256-GCM-SHA384", standardName: "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
            mkey: kECDHE, auth: aECDSA, enc: eAES256GCM, mac: mAEAD, minVersion: tls12, deprecated: false),
        Cipher(
            name: "ECDHE-RSA-AES256-GCM-SHA384", standardName: "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
            mkey: kECDHE, auth: aRSASign, enc: eAES256GCM, mac: mAEAD, minVersion: tls12, deprecated: false),
        Cipher(
            name: "ECDHE-ECDSA-CHACHA20-POLY1305", standardName: "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
            mkey: kECDHE, auth: aECDSA, enc: eChaCha, mac: mAEAD, minVersion: tls12, deprecated: false),
        Cipher(
            name: "ECDHE-RSA-CHACHA20-POLY1305", standardName: "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
            mkey: kECDHE, auth: aRSASign, enc: eChaCha, mac: mAEAD, minVersion: tls12, deprecated: false),
        Cipher(
            name: "ECDHE-PSK-CHACHA20-POLY1305", standardName: "TLS_ECDHE_PSK_WITH_CHACHA20_POLY1305_SHA256",
            mkey: kECDHE, auth: aPSK, enc: eChaCha, mac: mAEAD, minVersion: tls12, deprecated: false),
        Cipher(
            name: "ECDHE-ECDSA-AES128-SHA", standardName: "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA",
            mkey: kECDHE, auth: aECDSA, enc: eAES128, mac: mSHA1, minVersion: ssl3, deprecated: false),
        Cipher(
            name: "ECDHE-RSA-AES128-SHA", standardName: "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA",
            mkey: kECDHE, auth: aRSASign, enc: eAES128, mac: mSHA1, minVersion: ssl3, deprecated: false),
        Cipher(
            name: "ECDHE-PSK-AES128-CBC-SHA", standardName: "TLS_ECDHE_PSK_WITH_AES_128_CBC_SHA",
            mkey: kECDHE, auth: aPSK, enc: eAES128, mac: mSHA1, minVersion: ssl3, deprecated: false),
        Cipher(
            name: "ECDHE-ECDSA-AES256-SHA", standardName: "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA",
            mkey: kECDHE, auth: aECDSA, enc: eAES256, mac: mSHA1, minVersion: ssl3, deprecated: false),
        Cipher(
            name: "ECDHE-RSA-AES256-SHA", standardName: "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA",
            mkey: kECDHE, auth: aRSASign, enc: eAES256, mac: mSHA1, minVersion: ssl3, deprecated: false),
        Cipher(
            name: "ECDHE-PSK-AES256-CBC-SHA", standardName: "TLS_ECDHE_PSK_WITH_AES_256_CBC_SHA",
            mkey: kECDHE, auth: aPSK, enc: eAES256, mac: mSHA1, minVersion: ssl3, deprecated: false),
        Cipher(
            name: "ECDHE-ECDSA-AES128-SHA256", standardName: "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256",
            mkey: kECDHE, auth: aECDSA, enc: eAES128, mac: mSHA256, minVersion: tls12, deprecated: true),
        Cipher(
            name: "ECDHE-RSA-AES128-SHA256", standardName: "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256",
            mkey: kECDHE, auth: aRSASign, enc: eAES128, mac: mSHA256, minVersion: tls12, deprecated: true),
        Cipher(
            name: "AES128-GCM-SHA256", standardName: "TLS_RSA_WITH_AES_128_GCM_SHA256",
            mkey: kRSA, auth: aRSADecrypt, enc: eAES128GCM, mac: mAEAD, minVersion: tls12, deprecated: false),
        Cipher(
            name: "AES256-GCM-SHA384", standardName: "TLS_RSA_WITH_AES_256_GCM_SHA384",
            mkey: kRSA, auth: aRSADecrypt, enc: eAES256GCM, mac: mAEAD, minVersion: tls12, deprecated: false),
        Cipher(
            name: "AES128-SHA", standardName: "TLS_RSA_WITH_AES_128_CBC_SHA",
            mkey: kRSA, auth: aRSADecrypt, enc: eAES128, mac: mSHA1, minVersion: ssl3, deprecated: false),
        Cipher(
            name: "PSK-AES128-CBC-SHA", standardName: "TLS_PSK_WITH_AES_128_CBC_SHA",
            mkey: kPSK, auth: aPSK, enc: eAES128, mac: mSHA1, minVersion: ssl3, deprecated: false),
        Cipher(
            name: "AES256-SHA", standardName: "TLS_RSA_WITH_AES_256_CBC_SHA",
            mkey: kRSA, auth: aRSADecrypt, enc: eAES256, mac: mSHA1, minVersion: ssl3, deprecated: false),
        Cipher(
            name: "PSK-AES256-CBC-SHA", standardName: "TLS_PSK_WITH_AES_256_CBC_SHA",
            mkey: kPSK, auth: aPSK, enc: eAES256, mac: mSHA1, minVersion: ssl3, deprecated: false),
        Cipher(
            name: "DES-CBC3-SHA", standardName: "TLS_RSA_WITH_3DES_EDE_CBC_SHA",
            mkey: kRSA, auth: aRSADecrypt, enc: e3DES, mac: mSHA1, minVersion: ssl3, deprecated: true),
    ]

    /// TLS 1.3 suites: exact names a rule may use, which select nothing (they are never in the list).
    private static let tls13Names: Set<String> = [
        "TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256",
    ]

    private struct Alias {
        var mkey = all, auth = all, enc = all, mac = all
        var minVersion: UInt16 = 0
        var includeDeprecated = false
    }

    /// `kCipherAliases`: name → (mkey, auth, enc, mac, minVersion, includeDeprecated).
    private static let aliases: [String: Alias] = {
        func alias(
            _ mkey: UInt32 = all, _ auth: UInt32 = all, _ enc: UInt32 = all, _ mac: UInt32 = all,
            version: UInt16 = 0, deprecated: Bool = false
        ) -> Alias {
            Alias(mkey: mkey, auth: auth, enc: enc, mac: mac, minVersion: version, includeDeprecated: deprecated)
        }
        return [
            "ALL": alias(),
            "kRSA": alias(kRSA), "kECDHE": alias(kECDHE), "kEECDH": alias(kECDHE), "ECDH": alias(kECDHE),
            "kPSK": alias(kPSK),
            "aRSA": alias(all, aRSASign | aRSADecrypt), "aECDSA": alias(all, aECDSA), "ECDSA": alias(all, aECDSA),
            "aPSK": alias(all, aPSK),
            "ECDHE": alias(kECDHE), "EECDH": alias(kECDHE), "RSA": alias(kRSA, aRSASign | aRSADecrypt),
            "PSK": alias(kPSK, aPSK),
            "3DES": alias(all, all, e3DES, deprecated: true),
            "AES128": alias(all, all, eAES128 | eAES128GCM), "AES256": alias(all, all, eAES256 | eAES256GCM),
            "AES": alias(all, all, eAES128 | eAES256 | eAES128GCM | eAES256GCM),
            "AESGCM": alias(all, all, eAES128GCM | eAES256GCM), "CHACHA20": alias(all, all, eChaCha),
            "SHA1": alias(all, all, all, mSHA1), "SHA": alias(all, all, all, mSHA1),
            "SSLv3": alias(version: ssl3), "TLSv1": alias(version: ssl3), "TLSv1.2": alias(version: tls12),
            "HIGH": alias(), "FIPS": alias(),
        ]
    }()

    private enum Rule {
        case add, delete, order, kill, special

        /// The rule a leading `-`, `+`, `!` or `@` names (OpenSSL's `CIPHER_DEL`, `CIPHER_ORD`, `CIPHER_KILL`,
        /// `CIPHER_SPECIAL`); nil for any other byte (a plain name adds).
        init?(prefix: UInt8) {
            switch prefix {
            case UInt8(ascii: "-"): self = .delete
            case UInt8(ascii: "+"): self = .order
            case UInt8(ascii: "!"): self = .kill
            case UInt8(ascii: "@"): self = .special
            default: return nil
            }
        }
    }

    /// Why BoringSSL would refuse `rules`, or `nil` if it accepts them.
    static func problem(in rules: String) -> Problem? {
        // C sees the string up to its first NUL.
        var bytes = Array(rules.utf8.prefix(while: { $0 != 0 }))
        var selection = Selection()
        if bytes.starts(with: Array("DEFAULT".utf8)) {
            // SSL_DEFAULT_CIPHER_LIST is "ALL".
            if let problem = process(Array("ALL".utf8), &selection) { return problem }
            bytes.removeFirst(7)
            if bytes.first == UInt8(ascii: ":") { bytes.removeFirst() }
        }
        if !bytes.isEmpty, let problem = process(bytes, &selection) { return problem }
        return selection.active.isEmpty ? .noCipherMatch : nil
    }

    /// Which ciphers are selected (`active`) and which were removed for good by `!` (`killed`).
    private struct Selection {
        var active = Set<Int>()
        var killed = Set<Int>()
    }

    private static func isWordByte(_ c: UInt8) -> Bool {
        (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A)
            || c == UInt8(ascii: "-") || c == UInt8(ascii: ".") || c == UInt8(ascii: "_")
    }

    private static func isAlphanumeric(_ c: UInt8) -> Bool {
        (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A)
    }

    private static func isSeparator(_ c: UInt8) -> Bool {
        c == UInt8(ascii: ":") || c == UInt8(ascii: " ") || c == UInt8(ascii: ";") || c == UInt8(ascii: ",")
    }

    /// `ssl_cipher_process_rulestr` in non-strict mode, tracking selection only.
    private static func process(_ s: [UInt8], _ selection: inout Selection) -> Problem? {
        var i = 0
        var inGroup = false
        var hasGroup = false
        while i < s.count {
            let ch = s[i]
            let rule: Rule
            if inGroup {
                if ch == UInt8(ascii: "]") {
                    inGroup = false
                    i += 1
                    continue
                }
                if ch == UInt8(ascii: "|") {
                    i += 1
                    continue
                }
                guard isAlphanumeric(ch) else { return .syntax }
                rule = .add
            } else {
                if ch == UInt8(ascii: "[") {
                    inGroup = true
                    hasGroup = true
                    i += 1
                    continue
                }
                if let prefixed = Rule(prefix: ch) {
                    rule = prefixed
                    i += 1
                } else {
                    rule = .add
                }
            }
            if hasGroup, rule != .add { return .syntax }
            if isSeparator(ch) {
                i += 1
                continue
            }

            var multi = false
            var exact: Int?
            var exactTLS13 = false
            var alias = Alias()
            alias.includeDeprecated = rule != .add
            var skip = false
            var word: [UInt8] = []
            while true {
                let start = i
                while i < s.count, isWordByte(s[i]) { i += 1 }
                word = Array(s[start..<i])
                if word.isEmpty { return .syntax }
                if rule == .special { break }
                let name = String(decoding: word, as: UTF8.self)
                let next = i < s.count ? s[i] : 0
                if !multi, next != UInt8(ascii: "+") {
                    if let index = ciphers.firstIndex(where: { $0.name == name || $0.standardName == name }) {
                        exact = index
                    } else if tls13Names.contains(name) {
                        exactTLS13 = true
                    }
                }
                if exact == nil, !exactTLS13 {
                    if let found = aliases[name] {
                        alias.mkey &= found.mkey
                        alias.auth &= found.auth
                        alias.enc &= found.enc
                        alias.mac &= found.mac
                        alias.includeDeprecated = alias.includeDeprecated || found.includeDeprecated
                        if alias.minVersion != 0, alias.minVersion != found.minVersion {
                            skip = true
                        } else {
                            alias.minVersion = found.minVersion
                        }
                    } else {
                        skip = true
                    }
                }
                guard i < s.count, s[i] == UInt8(ascii: "+") else { break }
                i += 1
                multi = true
            }

            if rule == .special {
                guard word == Array("STRENGTH".utf8) else { return .syntax }
                while i < s.count, !isSeparator(s[i]) { i += 1 }
            } else if !skip, !exactTLS13 {
                apply(rule, exact: exact, alias: alias, &selection)
            }
        }
        return inGroup ? .syntax : nil
    }

    /// `ssl_cipher_apply_rule`, on the selection.
    private static func apply(_ rule: Rule, exact: Int?, alias: Alias, _ selection: inout Selection) {
        if exact == nil, alias.minVersion == 0,
            alias.mkey == 0 || alias.auth == 0 || alias.enc == 0 || alias.mac == 0
        {
            return
        }
        for (index, cipher) in ciphers.enumerated() where !selection.killed.contains(index) {
            if let exact {
                guard exact == index else { continue }
            } else {
                guard alias.mkey & cipher.mkey != 0, alias.auth & cipher.auth != 0, alias.enc & cipher.enc != 0,
                    alias.mac & cipher.mac != 0, alias.minVersion == 0 || alias.minVersion == cipher.minVersion,
                    alias.includeDeprecated || !cipher.deprecated
                else { continue }
            }
            switch rule {
            case .add: selection.active.insert(index)
            case .delete: selection.active.remove(index)
            case .kill:
                selection.active.remove(index)
                selection.killed.insert(index)
            case .order, .special: break
            }
        }
    }
}
