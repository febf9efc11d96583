#!/usr/bin/python3
"""Drives the f5tts web page in headless Chromium, the way a person uses it, and reports what it saw.

Run with Debian's python3-selenium (/usr/bin/python3), chromium and chromium-driver:

    /usr/bin/python3 Tests/Browser/page_test.py http://127.0.0.1:PORT --ref Tests/Fixtures/speak/ref.wav --out DIR

It loads the page, loads text from a .txt file, synthesizes with the built-in voice, asks for an empty
text (an error), uploads a reference clip, synthesizes with it, and runs the multi-speaker mode. Each
clip the <audio> element ends up with is saved as DIR/<step>.wav. The last line of stdout is one JSON
object with the observations; WebPageTests.swift asserts on it (this script only fails when the page
does not get to a result at all). DIR/page.png is a screenshot of the whole page at the end.
"""
import argparse
import base64
import json
import os
import sys
import time

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

STEPS = 4  # the tiny test model needs few steps


def browser():
    options = webdriver.ChromeOptions()
    for flag in ("--headless=new", "--no-sandbox", "--autoplay-policy=no-user-gesture-required",
                 "--disable-dev-shm-usage", "--window-size=1100,1400", "--disable-gpu"):
        options.add_argument(flag)
    options.binary_location = "/usr/bin/chromium"
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)


def set_value(driver, element_id, value):
    """Sets an input's value as a user would (range inputs cannot be typed into) and fires `input`."""
    driver.execute_script(
        "const e = document.getElementById(arguments[0]); e.value = arguments[1];"
        "e.dispatchEvent(new Event('input', {bubbles: true})); e.dispatchEvent(new Event('change', {bubbles: true}));",
        element_id, value)


def type_text(driver, element_id, text):
    field = driver.find_element(By.ID, element_id)
    field.clear()
    if text:
        field.send_keys(text)


def wait_state(driver, timeout=180):
    """Waits until the page has finished a synthesis (done or error); returns the state."""
    WebDriverWait(driver, timeout).until(
        lambda d: d.find_element(By.TAG_NAME, "body").get_attribute("data-state") in ("done", "error")
        and d.find_element(By.ID, "synthesize").is_enabled())
    return driver.find_element(By.TAG_NAME, "body").get_attribute("data-state")


def synthesize(driver, out_dir, step):
    """Clicks Synthesize and reports what the page shows afterwards; saves the player's clip."""
    driver.execute_script("document.body.dataset.state = 'idle';")
    driver.find_element(By.ID, "synthesize").click()
    started = time.time()
    state = wait_state(driver)
    result = {"state": state, "seconds": round(time.time() - started, 3),
              "error": driver.find_element(By.ID, "error").text,
              "seed_shown": driver.find_element(By.ID, "seed-used").text,
              "last": driver.execute_script("return window.f5Last || null;")}
    if state != "done":
        return result
    # The <audio> element's clip: its duration once the metadata is in, and its bytes.
    WebDriverWait(driver, 30).until(lambda d: d.execute_script(
        "const a = document.getElementById('player'); return a.readyState >= 1 && isFinite(a.duration);"))
    result["duration"] = driver.execute_script("return document.getElementById('player').duration;")
    clip = driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "fetch(document.getElementById('player').src).then(r => r.blob()).then(b => {"
        "  const f = new FileReader(); f.onload = () => done(f.result.split(',')[1]); f.readAsDataURL(b); })"
        ".catch(e => done('ERROR ' + e));")
    if clip.startswith("ERROR"):
        result["clip_error"] = clip
    else:
        path = os.path.join(out_dir, f"{step}.wav")
        with open(path, "wb") as f:
            f.write(base64.b64decode(clip))
        result["clip"] = path
    link = driver.find_element(By.ID, "download")
    result["download"] = {"href_is_clip": link.get_attribute("href") == driver.execute_script(
        "return document.getElementById('player').src;"), "download": link.get_attribute("download")}
    return result


def plays(driver):
    """Whether the <audio> element really plays: its clock moves after play()."""
    return driver.execute_async_script(
        "const done = arguments[arguments.length - 1]; const a = document.getElementById('player');"
        "a.currentTime = 0; a.play().then(() => setTimeout(() => { const t = a.currentTime; a.pause(); done(t); }, 400))"
        ".catch(e => done('ERROR ' + e));")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("base")
    parser.add_argument("--ref", required=True, help="a reference clip to upload")
    parser.add_argument("--ref-text", default="The quick brown fox jumps")
    parser.add_argument("--out", required=True, help="folder for the clips and the screenshot")
    parser.add_argument("--screenshot", help="also save the screenshot here")
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    report = {}
    driver = browser()
    driver.set_script_timeout(60)
    try:
        started = time.time()
        driver.get(args.base + "/")
        WebDriverWait(driver, 30).until(
            lambda d: d.find_element(By.TAG_NAME, "body").get_attribute("data-ready") == "true")
        report["load_seconds"] = round(time.time() - started, 3)
        report["title"] = driver.title
        voices = lambda: [o.get_attribute("value") for o in driver.find_elements(By.CSS_SELECTOR, "#voice option")]
        report["voices"] = voices()
        # The controls as loaded: their ranges and starting values come from GET /v1/audio/settings.
        report["controls"] = driver.execute_script(
            "return Object.fromEntries([...document.querySelectorAll('[data-setting]')].filter(e => e.type !== 'checkbox')"
            ".map(e => [e.dataset.setting, {min: Number(e.min), max: Number(e.max), value: Number(e.value)}]));")
        report["labels_missing"] = driver.execute_script(
            "return [...document.querySelectorAll('input, select, textarea')]"
            ".filter(e => !(e.labels && e.labels.length) && !e.getAttribute('aria-label')).map(e => e.id);")

        # Text from a .txt file, then the built-in voice with few steps and a random seed.
        text_file = os.path.join(args.out, "text.txt")
        with open(text_file, "w") as f:
            f.write("Hello from the browser test.")
        driver.find_element(By.ID, "text-file").send_keys(text_file)
        WebDriverWait(driver, 10).until(lambda d: d.find_element(By.ID, "text").get_property("value") != "")
        report["text_from_file"] = driver.find_element(By.ID, "text").get_property("value")
        set_value(driver, "nfe", str(STEPS))
        report["builtin"] = synthesize(driver, args.out, "builtin")
        report["builtin"]["player_time_after_play"] = plays(driver)
        report["builtin"]["seed_field"] = driver.find_element(By.ID, "seed").get_property("value")

        # An empty text: the server's error, shown on the page.
        type_text(driver, "text", "")
        report["empty"] = synthesize(driver, args.out, "empty")

        # Upload a reference clip with its transcript; it should appear in the list, selected.
        driver.find_element(By.CSS_SELECTOR, "#upload-panel summary").click()
        driver.find_element(By.ID, "upload-audio").send_keys(os.path.abspath(args.ref))
        type_text(driver, "upload-name", "fox")
        type_text(driver, "upload-text", args.ref_text)
        driver.find_element(By.ID, "upload-consent").click()
        driver.find_element(By.ID, "upload-button").click()
        WebDriverWait(driver, 120).until(
            lambda d: d.find_element(By.ID, "upload-status").text not in ("", "Uploading and preparing the clip…"))
        report["upload"] = {"status": driver.find_element(By.ID, "upload-status").text, "voices": voices(),
                            "selected": driver.find_element(By.ID, "voice").get_property("value")}
        type_text(driver, "text", "A fox speaks now.")
        report["uploaded"] = synthesize(driver, args.out, "uploaded")
        report["uploaded"]["voice"] = driver.find_element(By.ID, "voice").get_property("value")

        # Multi-speaker mode: [main] is the chosen voice (built-in again), [fox] the uploaded one.
        set_value(driver, "voice", "builtin")
        driver.find_element(By.ID, "multi-voice").click()
        report["tags"] = [b.text for b in driver.find_elements(By.CSS_SELECTOR, "#tags .tag")]
        type_text(driver, "text", "[main] Hello there. [fox] The quick brown fox.")
        report["multi"] = synthesize(driver, args.out, "multi")

        report["resources"] = driver.execute_script(
            "return [location.href, ...performance.getEntriesByType('resource').map(e => e.name)];")
        report["console"] = [e["message"] for e in driver.get_log("browser")
                             if e.get("level") == "SEVERE" and "Failed to load resource" not in e["message"]]
        height = driver.execute_script("return document.documentElement.scrollHeight;")
        driver.set_window_size(1280, max(800, height + 40))
        driver.execute_script("window.scrollTo(0, 0);")
        shot = os.path.join(args.out, "page.png")
        driver.save_screenshot(shot)
        if args.screenshot:
            driver.save_screenshot(args.screenshot)
        report["screenshot"] = shot
    finally:
        driver.quit()
    print(json.dumps(report))


if __name__ == "__main__":
    try:
        main()
    except Exception as error:  # one readable line for the XCTest's failure message
        print(f"page_test.py: {type(error).__name__}: {error}", file=sys.stderr)
        raise
