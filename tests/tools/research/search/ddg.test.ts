/**
 * The DuckDuckGo parser against the recorded pages (tests/fixtures/ddg, copies of
 * ../shared/fixtures/ddg): every field of every result of every page. No recording carries an ad
 * or, on the html endpoint, a wrapped link: those cases are derived from the eino page (a class
 * added, links wrapped the way the lite page wraps them) and say so.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { DomainError } from "../../../../src/domain/errors.js";
import { isChallengePage, parseDdgPage, unwrapResultUrl } from "../../../../src/tools/research/search/ddg.js";

const fixture = (name: string): string =>
  readFileSync(join(import.meta.dirname, "../../../fixtures/ddg", name), "utf8");

const einoPage = fixture("ddg_html_results_eino.html");
const litePage = fixture("ddg_lite_results_weather_sf.html");

/** [title, url, displayUrl, snippet] of each result, in page order, as a person reads the page. */
const einoResults: Array<[string, string, string, string]> = [
  [
    "GitHub - cloudwego/eino: The ultimate LLM/AI application development ...",
    "https://github.com/cloudwego/eino",
    "github.com/cloudwego/eino",
    "Eino is a framework for building LLM applications in Golang, inspired by LangChain and LlamaIndex. It provides component abstractions, orchestration APIs, best practices, tools and examples for LLM development.",
  ],
  [
    "Eino: 概述 | CloudWeGo",
    "https://www.cloudwego.io/zh/docs/eino/overview/",
    "www.cloudwego.io/zh/docs/eino/overview/",
    'Eino: 概述 简介. Eino[\'aino] (近似音: i know，希望框架能达到 "i know" 的愿景) 旨在提供基于 Golang 语言的终极大模型应用开发框架。 它从开源社区中的诸多优秀 LLM 应用开发框架，如 LangChain 和 LlamaIndex 等获取灵感，同时借鉴前沿研究成果与实际应用，提供了一个强调简洁性、可扩展性、可靠性与 ...',
  ],
  [
    "Eino - 字节跳动开源的大模型应用开发框架 | AI工具集",
    "https://ai-bot.cn/eino/",
    "ai-bot.cn/eino/",
    "Eino 是字节跳动开源的大模型应用开发框架，能帮助开发者高效构建基于大模型的 AI 应用。Eino以 Go 语言为基础，具备稳定的内核、灵活的扩展性和完善的工具生态。Eino 的核心是组件化设计，基于定义不同的组件（如 ChatModel、Lambda 等）和编排方式（如 Chain 和 Graph），开发者能灵活地构建复杂的 ...",
  ],
  [
    "Large Language Model Application Development Framework — Eino is Now ...",
    "https://cloudwego.cn/docs/eino/overview/eino_open_source/",
    "cloudwego.cn/docs/eino/overview/eino_open_source/",
    'Today, after more than six months of internal use and iteration at ByteDance, the Golang-based comprehensive LLM application development framework — Eino, has been officially open-sourced on CloudWeGo! Based on clear "component" definitions, Eino provides powerful process "orchestration" covering the entire development lifecycle, aiming to help developers create the most ...',
  ],
  [
    "ByteDance Open Sources Eino: Golang LLM Development Framework",
    "https://stable-learn.com/en/eino-open-source-announcement/",
    "stable-learn.com/en/eino-open-source-announcement/",
    "Eino is an open-source framework for creating LLM applications in Golang, with stable core, agile extension, and high reliability. It supports various orchestration paradigms, component extensions, and tool ecosystem for LLM development.",
  ],
  [
    "万字解读带你跑通 Eino，带你在 2025 打通 Go LLM 应用开发的任督二脉 想不到 2025 年刚 - 掘金",
    "https://juejin.cn/post/7460126710085091367",
    "juejin.cn/post/7460126710085091367",
    "Eino 是 CloudWeGo 团队开源的基于 Golang 的 AI 应用开发框架，支持多种 LLM 模型和组件，提供了简洁、可扩展、可靠、有效的开发体验。本文介绍了 Eino 的特点、组成、使用方法和示例，帮助 Go 开发者在 2025 年打通 LLM 应用开发。",
  ],
  [
    "Eino: User Manual | CloudWeGo",
    "https://www.cloudwego.io/docs/eino/",
    "www.cloudwego.io/docs/eino/",
    "Eino aims to provide an AI application development framework built with Go. Eino refers to many excellent AI application development frameworks in the open-source community, such as LangChain, LangGraph, LlamaIndex, etc., and provides an AI application development framework that is more in line with the programming habits of Golang.",
  ],
  [
    "eino package - github.com/cloudwego/eino - Go Packages",
    "https://pkg.go.dev/github.com/cloudwego/eino",
    "pkg.go.dev/github.com/cloudwego/eino",
    "Eino is a Golang package that aims to be the ultimate LLM application development framework. It provides component abstractions, orchestration APIs, best practices, tools and examples for building LLM applications.",
  ],
  [
    "GitHub - cloudwego/eino-ext: Various extensions for the Eino framework ...",
    "https://github.com/cloudwego/eino-ext",
    "github.com/cloudwego/eino-ext",
    "Eino-ext is a project that hosts various extensions for the Eino framework, a powerful and flexible framework for building LLM applications. The extensions include component implementations, callback handlers, and devops tools for Eino.",
  ],
  [
    "Eino - Wikipedia",
    "https://en.wikipedia.org/wiki/Eino",
    "en.wikipedia.org/wiki/Eino",
    "Eino is a Finnish and Estonian masculine given name derived from Henri or Enewald. It is also the name of many notable people in various fields, such as sports, politics, arts and science.",
  ],
];

const liteResults: Array<[string, string, string, string]> = [
  [
    "10 Day Weather - Downtown, San Francisco, California",
    "https://weather.com/weather/tenday/l/San%20Francisco%20CA%20USCA0987:1:US",
    "weather.com/weather/tenday/l/San Francisco CA USCA0987:1:US",
    "Be prepared with the most accurate 10-day forecast for Downtown, San Francisco, California with highs, lows, chance of precipitation from The Weather Channel and Weather.com",
  ],
  [
    "San Francisco, CA Weather Forecast | AccuWeather",
    "https://www.accuweather.com/en/us/san-francisco/94103/weather-forecast/347629",
    "www.accuweather.com/en/us/san-francisco/94103/weather-forecast/347629",
    "San Francisco, CA Weather Forecast, with current conditions, wind, air quality, and what to expect for the next 3 days.",
  ],
  [
    "7-Day Forecast 37.77N 122.41W - National Weather Service",
    "https://forecast.weather.gov/zipcity.php?inputstring=San+Francisco,CA",
    "forecast.weather.gov/zipcity.php?inputstring=San+Francisco,CA",
    "Your local forecast office is San Francisco Bay Area/Monterey, CA Lake-effect Snow and Whiteout Conditions in the Great Lakes Region; Below-average Temperatures in the East Heavy lake-effect and lake-enhanced snow will persist downwind of the Great Lakes and produce some whiteout conditions that could cause difficult travel conditions.",
  ],
  [
    "San Francisco Weather Forecast",
    "https://www.weather-forecast.com/locations/San-Francisco/forecasts/latest",
    "www.weather-forecast.com/locations/San-Francisco/forecasts/latest",
    "San Francisco Weather Forecast. Providing a local hourly San Francisco weather forecast of rain, sun, wind, humidity and temperature. The Long-range 12 day forecast also includes detail for San Francisco weather today.",
  ],
  [
    "San Francisco, CA Weather Conditions - Weather Underground",
    "https://www.wunderground.com/weather/us/ca/san-francisco",
    "www.wunderground.com/weather/us/ca/san-francisco",
    "San Francisco Weather Forecasts. Weather Underground provides local & long-range weather forecasts, weatherreports, maps & tropical weather conditions for the San Francisco area.",
  ],
  [
    "San Francisco 14 Day Weather Forecast",
    "https://world-weather.info/forecast/usa/san_francisco/14days/",
    "world-weather.info/forecast/usa/san_francisco/14days/",
    "Detailed forecast in San Francisco for 14 days. Air temperature, wind speed, humidity and pressure. Weather forecast in 300000 cities",
  ],
  [
    "San Francisco, 8 to 14 Day Extended Weather Forecast (°C)",
    "https://www.weatherforyou.com/report/co/san+francisco-extended",
    "www.weatherforyou.com/report/co/san+francisco-extended",
    "Get the 8 to 14 day extended weather forecast for San Francisco, in Celsius. Detailed forecasts with temperature, precipitation, wind and more.",
  ],
  [
    "San Francisco, CA Weather Forecast, Conditions, and Maps - Yahoo Weather",
    "https://weather.yahoo.com/us/ca/san-francisco",
    "weather.yahoo.com/us/ca/san-francisco",
    "Mostly Sunny today with a high of 67°F and a low of 45°F.",
  ],
  [
    "Live Doppler 7 | Bay Area Weather News - ABC7 San Francisco",
    "https://abc7news.com/weather/",
    "abc7news.com/weather/",
    "No one covers San Francisco weather and the surrounding Bay Area like ABC7. KGO covers forecasts, weather maps, alerts, video, street-level weather and more.",
  ],
  [
    "San Francisco Bay Area Weather | KRON4",
    "https://www.kron4.com/weather-san-francisco/",
    "www.kron4.com/weather-san-francisco/",
    "See the latest San Francisco weather forecast, current conditions, and live radar. Keep up to date on all San Francisco weather news with KRON4.",
  ],
];

const asResults = (rows: Array<[string, string, string, string]>, first = 1) =>
  rows.map(([title, url, displayUrl, snippet], i) => ({
    position: first + i,
    title,
    url,
    displayUrl,
    snippet,
    ad: false,
  }));

/** The error `fn` throws. */
function thrown(fn: () => unknown): DomainError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(DomainError);
    return err as DomainError;
  }
  throw new Error("expected an error");
}

describe("DuckDuckGo html endpoint", () => {
  it("reads every field of the 10 results of the eino page, and its paging form", () => {
    const page = parseDdgPage(einoPage);
    expect(page.layout).toBe("html");
    expect(page.results).toEqual(asResults(einoResults));
    expect(page.next).toEqual({
      layout: "html",
      fields: {
        q: "eino",
        s: "10",
        nextParams: "",
        v: "l",
        o: "json",
        dc: "11",
        api: "d.js",
        vqd: "4-167208798460794982980732831674372650598",
        kl: "wt-wt",
      },
    });
  });

  it("numbers a later page's results from the position its form asked for (dc)", () => {
    expect(parseDdgPage(einoPage, { firstPosition: 11 }).results.map((r) => r.position)).toEqual(
      Array.from({ length: 10 }, (_, i) => 11 + i),
    );
  });

  it("gives an empty list and no next page for the no-results page (its EOF placeholder dropped)", () => {
    expect(parseDdgPage(fixture("ddg_html_no_results.html"))).toEqual({ layout: "html", results: [], next: null });
  });

  it("gives an empty list and no next page past the last page", () => {
    expect(parseDdgPage(fixture("ddg_html_no_more_results_page2.html"))).toEqual({
      layout: "html",
      results: [],
      next: null,
    });
  });

  it("unwraps //duckduckgo.com/l/?uddg= links (derived: the eino page's links wrapped as the engine wraps them)", () => {
    const wrapped = einoPage.replace(
      /href="(https:\/\/[^"]+)"/g,
      (_m, url: string) => `href="//duckduckgo.com/l/?uddg=${encodeURIComponent(url)}&amp;rut=0123abcd"`,
    );
    expect(wrapped).not.toBe(einoPage);
    expect(parseDdgPage(wrapped).results).toEqual(asResults(einoResults));
  });

  it("tells ads apart (derived: result--ad added to the first result, its link through y.js), numbering them apart", () => {
    const withAd = einoPage
      .replace("web-result ", "web-result result--ad ")
      .replace(
        'class="result__a" href="https://github.com/cloudwego/eino"',
        'class="result__a" href="https://duckduckgo.com/y.js?ad_domain=github.com&amp;u3=x"',
      );
    const results = parseDdgPage(withAd).results;
    expect(results[0]).toEqual({
      position: 1,
      title: einoResults[0]![0],
      url: "https://duckduckgo.com/y.js?ad_domain=github.com&u3=x",
      displayUrl: einoResults[0]![2],
      snippet: einoResults[0]![3],
      ad: true,
    });
    expect(results.slice(1)).toEqual(asResults(einoResults.slice(1)));
  });

  it("fails with SEARCH_PARSE_FAILED, not an empty list, when the result nodes are gone (a changed layout)", () => {
    const changed = einoPage.replace(/class="result results_links/g, 'class="item results_links');
    const err = thrown(() => parseDdgPage(changed));
    expect(err.code).toBe("SEARCH_PARSE_FAILED");
    expect(err.message).toMatch(/no result nodes/);
    // Result nodes whose title links are gone are no results either.
    const noLinks = einoPage.replace(/class="result__a"/g, 'class="result__title-link"');
    expect(thrown(() => parseDdgPage(noLinks)).code).toBe("SEARCH_PARSE_FAILED");
    // A page of neither endpoint.
    expect(thrown(() => parseDdgPage("<html><body><p>Service unavailable</p></body></html>")).code).toBe(
      "SEARCH_PARSE_FAILED",
    );
    expect(thrown(() => parseDdgPage("")).code).toBe("SEARCH_PARSE_FAILED");
  });
});

describe("DuckDuckGo lite endpoint", () => {
  it("reads every field of the 10 results of the weather page, and its paging form", () => {
    const page = parseDdgPage(litePage);
    expect(page.layout).toBe("lite");
    expect(page.results).toEqual(asResults(liteResults));
    expect(page.next).toEqual({
      layout: "lite",
      fields: {
        q: "weather san francisco",
        s: "10",
        nextParams: "",
        v: "l",
        o: "json",
        dc: "11",
        api: "d.js",
        vqd: "4-191870771335507362608829693484983654615",
        kl: "wt-wt",
      },
    });
    expect(parseDdgPage(litePage, { layout: "lite" })).toEqual(page);
  });

  it("tells a sponsored row apart (derived: result-sponsored on the first result's row)", () => {
    const sponsored = litePage.replace(/<tr>(\s*<td valign="top">\s*1\.&nbsp;)/, '<tr class="result-sponsored">$1');
    expect(sponsored).not.toBe(litePage);
    const results = parseDdgPage(sponsored).results;
    expect(results[0]).toMatchObject({ position: 1, ad: true, title: liteResults[0]![0], url: liteResults[0]![1] });
    expect(results.slice(1)).toEqual(asResults(liteResults.slice(1)));
  });

  it("fails with SEARCH_PARSE_FAILED when its result links are gone", () => {
    const changed = litePage.replace(/class='result-link'/g, "class='link'");
    expect(thrown(() => parseDdgPage(changed, { layout: "lite" })).code).toBe("SEARCH_PARSE_FAILED");
  });
});

describe("the anomaly page", () => {
  it("is SEARCH_THROTTLED with retryAfterSeconds (the caller's backoff, 60 s by default)", () => {
    const page = fixture("clele_challenge-202.html");
    expect(isChallengePage(page)).toBe(true);
    expect(isChallengePage(einoPage)).toBe(false);
    const err = thrown(() => parseDdgPage(page));
    expect(err.code).toBe("SEARCH_THROTTLED");
    expect(err.details).toEqual({ retryAfterSeconds: 60 });
    expect(thrown(() => parseDdgPage(page, { retryAfterSeconds: 240 })).details).toEqual({ retryAfterSeconds: 240 });
  });
});

describe("result links", () => {
  it("unwraps the engine's redirect, keeps direct links, and refuses what is not http(s)", () => {
    expect(unwrapResultUrl("//duckduckgo.com/l/?uddg=https%3A%2F%2Fexample.com%2Fa%3Fb%3Dc&rut=1")).toBe(
      "https://example.com/a?b=c",
    );
    expect(unwrapResultUrl("https://example.org/x")).toBe("https://example.org/x");
    expect(unwrapResultUrl("//duckduckgo.com/l/?uddg=javascript%3Aalert(1)")).toBeNull();
    expect(unwrapResultUrl("javascript:alert(1)")).toBeNull();
    expect(unwrapResultUrl(undefined)).toBeNull();
  });
});
