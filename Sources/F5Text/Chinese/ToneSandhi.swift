/// pypinyin 0.55.0 `contrib/tone_sandhi.py` `ToneSandhiMixin`: third tone, then 不, then 一, within one
/// phrase. The rules only test for and replace the one tone digit of a syllable, so they run on TONE3
/// strings as pypinyin runs them on TONE2 ones; a neutral syllable has no digit and is left alone.
enum ToneSandhi {
    static func apply(to readings: [String], of phrase: ArraySlice<Unicode.Scalar>) -> [String] {
        var readings = thirdTone(readings)
        let chars = Array(phrase)
        // All of 不 first, then all of 一: 一 sees the tone 不 has after its rule.
        for (syllable, finalTone) in [("不" as Unicode.Scalar, Character("4")), ("一", "1")] {
            for index in chars.indices where chars[index] == syllable {
                if index + 1 < chars.count {
                    readings[index] = readings[index + 1].contains("4")
                        ? readings[index].replacingDigit("4", with: "2") : readings[index].withEveryDigit("4")
                } else {
                    readings[index] = readings[index].withEveryDigit(finalTone)
                }
            }
        }
        return readings
    }

    /// The trailing run of third tones: with two, the word's first third tone becomes second; with n > 2,
    /// its first n - 1 third tones do (pypinyin counts from the start of the word, not of the run).
    private static func thirdTone(_ readings: [String]) -> [String] {
        let run = readings.reversed().prefix { $0.contains("3") }.count
        guard run >= 2 else { return readings }
        var readings = readings
        var changed = 0
        for index in readings.indices where changed < run - 1 && readings[index].contains("3") {
            readings[index] = readings[index].replacingDigit("3", with: "2")
            changed += 1
        }
        return readings
    }
}

private extension String {
    func replacingDigit(_ digit: Character, with other: Character) -> String {
        String(map { $0 == digit ? other : $0 })
    }

    /// `re.sub(r"\d", digit, self)`.
    func withEveryDigit(_ digit: Character) -> String {
        String(map { $0.isASCII && $0.isNumber ? digit : $0 })
    }
}
