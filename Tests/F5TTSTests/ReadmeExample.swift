// The README's library example, compiled with the tests so that it cannot rot (ReadmeExampleTests checks
// that the README shows exactly this).
// example:begin
import F5TTS

/// Speaks `text` in the voice of `clip` (whose words are `transcript`) and writes it to `out`.
func speak(_ text: String, like clip: String, saying transcript: String, model: String, to out: String) throws {
    // A bundle folder, a folder of bundles or the app .tar; vocoder and vocabulary are found beside it.
    let synthesizer = try Synthesizer(model: model)
    // A prepared voice is a value: keep it to speak many texts in it.
    let voice = try synthesizer.prepareVoice(path: clip, transcript: transcript)
    var options = SynthesisOptions()  // F5-TTS's defaults, or the bundle's recommendation
    options.speed = 1.1
    let result = try synthesizer.generate(text: text, voice: voice, options: options)
    try result.write(to: out)  // whole or not at all; the format from the extension
    print(result.timings.summary)  // load, reference, text, steps, vocoder, total, real-time factor
}
// example:end
