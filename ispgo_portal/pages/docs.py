"""/docs «Документация»: installing and activating the panel, tariff limits, the customer REST
API (its reference read from the OpenAPI document when the page is built), the license API."""

from __future__ import annotations

import reflex as rx

from ispgo_portal.components.layout import ACCENT, announce
from ispgo_portal.components.public import public_shell
from ispgo_portal.content import docs as d
from ispgo_portal.content import rest_api_docs as rest
from ispgo_portal.settings import get_settings

TOC = (
    ("install", "Установка панели на сервер"),
    ("activation", "Активация ключом лицензии"),
    ("limits", "Серверы и сайты в тарифе"),
    ("rest-api", "REST API"),
    ("license-api", "API лицензий для панелей"),
    ("signature", "Проверка подписи"),
    ("errors", "Коды ответов и ошибки"),
    ("rate-limits", "Ограничение частоты запросов"),
    ("help", "Где получить помощь"),
)


def portal_url() -> str:
    return get_settings().base_url.rstrip("/")


def code(text: str, name: str) -> rx.Component:
    """A copyable code sample; long lines scroll inside the block, never the page."""
    body = d.sample(text, portal_url())
    return rx.box(
        rx.icon_button(rx.icon("copy", size=14), variant="soft", size="1", color_scheme="gray",
                       aria_label="Скопировать пример", position="absolute", top="8px", right="8px",
                       on_click=[rx.set_clipboard(body), announce("Пример скопирован"), rx.toast.success("Пример скопирован")]),
        rx.el.pre(rx.el.code(body), style={
            "margin": "0", "padding": "14px 44px 14px 14px", "overflow_x": "auto", "font_size": "13px",
            "line_height": "1.5", "font_family": "ui-monospace, SFMono-Regular, Menlo, monospace",
            "white_space": "pre",
        }, tab_index=0),  # long lines scroll: the block must be reachable to scroll it by keyboard
        id=f"docs-code-{name}",
        position="relative",
        width="100%",
        max_width="100%",
        border_radius="8px",
        background=rx.color("gray", 3),
        border=f"1px solid {rx.color('gray', 5)}",
    )


def mono(text: str) -> rx.Component:
    return rx.code(text, variant="ghost", overflow_wrap="anywhere")


def rows(items: list[tuple[rx.Component, rx.Component | str]]) -> rx.Component:
    """Term / explanation rows: two columns on a desktop, stacked on a phone (a real table
    would need sideways scrolling at 360 px)."""
    return rx.box(
        *[rx.flex(
            rx.box(term, min_width=["0", "0", "230px"], width=["100%", "100%", "230px"], flex_shrink="0"),
            rx.text(meaning, size="2") if isinstance(meaning, str) else meaning,
            direction=rx.breakpoints(initial="column", md="row"),
            gap=rx.breakpoints(initial="4px", md="16px"),
            padding="10px 12px",
            border_top=f"1px solid {rx.color('gray', 4)}" if index else "none",
            width="100%",
        ) for index, (term, meaning) in enumerate(items)],
        width="100%",
        border=f"1px solid {rx.color('gray', 5)}",
        border_radius="8px",
        background=rx.color("gray", 1),
    )


def term(text: str, *badges: str) -> rx.Component:
    return rx.hstack(rx.code(text, size="2", weight="bold", word_break="break-all"),
                     *[rx.badge(b, variant="soft", color_scheme="gray") for b in badges],
                     spacing="2", align="center", wrap="wrap")


def section(anchor: str, title: str, *children: rx.Component) -> rx.Component:
    return rx.card(
        rx.vstack(rx.heading(title, size="5", as_="h2"), *children, spacing="3", width="100%"),
        id=anchor,
        size=rx.breakpoints(initial="2", sm="3"),
        width="100%",
        scroll_margin_top="16px",
    )


def para(*parts: rx.Component | str) -> rx.Component:
    return rx.text(*parts, size="2", as_="p")


def numbered(*items: rx.Component | str) -> rx.Component:
    return rx.el.ol(*[rx.el.li(rx.text(i, size="2")) for i in items],
                    style={"padding_left": "1.4em", "margin": "0", "list_style_type": "decimal", "display": "grid", "gap": "6px"})


def contents() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.text("Содержание", weight="bold"),
            rx.grid(*[rx.link(title, href=f"#{anchor}", size="2") for anchor, title in TOC],
                    columns=rx.breakpoints(initial="1", sm="2", md="3"), spacing="2", width="100%"),
            spacing="2",
            width="100%",
        ),
        width="100%",
    )


def install_section() -> rx.Component:
    return section(
        "install", "Установка панели на сервер",
        para("Панель ISPGo ставится на чистый сервер и сама настраивает веб-сервер, почту, DNS, "
             "базы данных и планировщик задач. Что нужно:"),
        rx.el.ul(
            *[rx.el.li(rx.text(t, size="2")) for t in (
                "сервер (выделенный или виртуальный) с 64-битным Linux и доступом root по SSH;",
                "публичный IP-адрес и открытые порты для сайтов (80, 443) и почты;",
                f"исходящий доступ по HTTPS к порталу {portal_url()} — панель проверяет по нему лицензию;",
                "ключ лицензии — его выдаёт портал после покупки тарифа.",
            )],
            style={"padding_left": "1.4em", "margin": "0", "list_style_type": "disc", "display": "grid", "gap": "4px"},
        ),
        numbered(
            "Подключитесь к серверу по SSH под пользователем root.",
            "Скачайте установщик панели ISPGo и запустите его. Если установщика у вас нет, создайте тикет "
            "в категории «Техническая» — поддержка пришлёт ссылку на актуальную версию для вашей ОС.",
            "Дождитесь окончания установки: в конце установщик показывает адрес веб-интерфейса панели.",
            "Откройте веб-интерфейс в браузере и переходите к активации.",
        ),
    )


def activation_section() -> rx.Component:
    return section(
        "activation", "Активация ключом лицензии",
        numbered(
            rx.fragment("Купите тариф в разделе ", rx.link("«Тарифы»", href="/tariffs"),
                        " — лицензия появится в разделе ", rx.link("«Мои лицензии»", href="/licenses"), "."),
            "В карточке лицензии нажмите на иконку копирования рядом с ключом (формат ISPG-XXXX-XXXX-XXXX-XXXX).",
            "Вставьте ключ в веб-интерфейсе панели при первом входе.",
            "Панель отправит на портал запрос activate со своим идентификатором (fingerprint) и именем "
            "сервера. Сервер появится в карточке лицензии, и откроется доступ к панели.",
        ),
        para("Дальше панель регулярно проверяет лицензию (validate) и хранит последний подписанный "
             "ответ, поэтому короткий перерыв связи с порталом не останавливает работу. Если лицензия "
             "истекла или приостановлена, панель перестаёт работать до продления; после продления она "
             "продолжает работу при следующей проверке."),
        para("Переезд на другой сервер: отключите старый сервер кнопкой «Отключить сервер» в карточке "
             "лицензии (или запросом deactivate из панели) и активируйте ключ на новом."),
    )


def limits_section() -> rx.Component:
    return section(
        "limits", "Серверы и сайты в тарифе",
        rows([
            (rx.text("Максимум серверов", weight="bold", size="2"), "Сколько серверов можно активировать одним ключом. Сервер считается по "
                                  "его идентификатору (fingerprint): повторная активация того же сервера "
                                  "место не занимает. Лишний сервер получает ответ server_limit_reached."),
            (rx.text("Максимум сайтов", weight="bold", size="2"), "Сколько веб-сайтов можно создать в панели. Лимит приходит в ответе "
                                "API (max_sites), соблюдает его панель."),
            (rx.text("0", weight="bold", size="2"), "Без ограничений: серверов или сайтов может быть сколько угодно."),
        ]),
        para("Сколько серверов уже подключено, видно в карточке лицензии в разделе «Мои лицензии». "
             "Нужно больше — купите тариф побольше: новая лицензия будет работать вместе со старой."),
    )


def _field_list(label: str, fields: tuple[rest.Field, ...]) -> rx.Component:
    return rx.box(
        rx.text(label, size="1", weight="bold", color_scheme="gray"),
        rx.el.ul(*[rx.el.li(rx.text(rx.code(f.name, size="1"), f" — {f.type}", " (обязательно)" if f.required else "",
                                    f". {f.description}" if f.description else "", size="1"))
                   for f in fields],
                 style={"padding_left": "1.2em", "margin": "0", "list_style_type": "disc"}),
        width="100%",
    )


def _operation(op: rest.Operation) -> tuple[rx.Component, rx.Component]:
    parts: list[rx.Component] = [rx.text(op.summary, size="2", weight="medium")]
    if op.description:
        parts.append(rx.text(op.description, size="2"))
    if op.parameters:
        parts.append(_field_list("Параметры", op.parameters))
    if op.body:
        parts.append(_field_list("Тело запроса (JSON)", op.body))
    for answer in op.answers:
        parts.append(_field_list(f"Ответ {answer.status}", answer.fields) if answer.fields
                     else rx.text(f"Ответ {answer.status}: без тела", size="1", weight="bold", color_scheme="gray"))
    parts.append(rx.text("Ошибки: HTTP " + ", ".join(op.errors), size="1", color_scheme="gray"))
    return (rx.box(term(op.path.removeprefix("/api/v1"), op.method, op.scope), id=op.anchor),
            rx.vstack(*parts, spacing="2", width="100%"))


def rest_api_section() -> rx.Component:
    openapi_url = portal_url() + rest.OPENAPI_PATH
    return section(
        "rest-api", "REST API",
        para("Панель ISPGo на вашем сервере предоставляет REST API для автоматизации задач и интеграции "
             "с внешними системами. Портал тоже: через REST API личного кабинета можно делать из своих "
             "скриптов и биллинга всё, что вы делаете в кабинете, — смотреть баланс и историю, покупать "
             "и продлевать лицензии, пополнять баланс, работать с тикетами."),
        para("Адрес: ", mono(portal_url() + "/api/v1"), ". Авторизация — заголовок ",
             mono("Authorization: Bearer ispgo_…"), " с токеном из раздела ",
             rx.link("«API-токены»", href="/api-tokens"), " (право read — для GET, write — для остального). "
             "Суммы — целые копейки, время — UTC в формате ISO 8601 с Z. Списки отдаются страницами: "
             "limit (до 100, по умолчанию 20) и cursor — значение next_cursor из предыдущего ответа."),
        para("Передавайте ", mono("Idempotency-Key"), " (до 255 символов) в каждом POST, особенно в тех, что "
             "двигают деньги: если ответ потерялся, повторите запрос с тем же ключом и тем же телом — "
             "портал вернёт первый ответ и не спишет деньги второй раз (24 часа). Тот же ключ с другим телом — "
             "409 idempotency_key_reused. Запрос, закончившийся ошибкой, ничего не изменил, и его можно "
             "повторить с тем же ключом."),
        para(f"Не больше {get_settings().api_rate_per_token} запросов в минуту на токен (ответ 429 с "
             "Retry-After). Машиночитаемое описание "
             "для генераторов клиентов — OpenAPI 3.1: ", rx.link(openapi_url, href=openapi_url, is_external=True),
             "."),
        rx.heading("Пример: curl", size="3", as_="h3"),
        code(rest.CURL_EXAMPLE, "rest-curl"),
        rx.heading("Пример: Python — пополнить, купить три лицензии, продлить одну, открыть тикет", size="3",
                   as_="h3"),
        para("Скрипт можно запускать повторно: ключи повтора строятся из RUN, поэтому второй запуск с тем же "
             "RUN вернёт те же лицензии и тот же тикет и ничего не спишет."),
        code(rest.PYTHON_EXAMPLE, "rest-python"),
        rx.heading("Методы", size="3", as_="h3"),
        rows([_operation(op) for op in rest.reference()]),
        rx.heading("Ошибки", size="3", as_="h3"),
        para("Ошибки приходят как application/problem+json: type, title, status, detail (по-русски), code; "
             "иногда reason (уточнение) и field или errors (неверные поля)."),
        rows([(term(c, f"HTTP {status}"), what) for c, status, what in rest.ERROR_CODES]),
    )


def license_api_section() -> rx.Component:
    return section(
        "license-api", "API лицензий для панелей",
        para("Адрес: ", mono(portal_url()), ". Запросы POST принимают JSON-объект (",
             mono("Content-Type: application/json"), ", не больше 4 КБ), ответы — всегда JSON, в том "
             "числе при ошибках. В примерах ниже JSON разбит на строки для чтения; настоящий ответ "
             "приходит одной строкой, и подпись вычислена именно над этими байтами."),
        rows([(term(path, method),
               rx.vstack(rx.text(what, size="2"), rx.text("Поля: ", fields, size="1", color_scheme="gray"),
                         spacing="1"))
              for method, path, fields, what in d.ENDPOINTS]),
        rx.heading("Поля запроса", size="3", as_="h3"),
        rows([(term(n), t) for n, t in d.REQUEST_FIELDS]),
        rx.heading("Активация сервера", size="3", as_="h3"),
        code(d.ACTIVATE_REQUEST, "activate-request"),
        code(d.ACTIVATE_RESPONSE, "activate-response"),
        rx.heading("Проверка лицензии", size="3", as_="h3"),
        code(d.VALIDATE_REQUEST, "validate-request"),
        para("Ответ для истёкшей лицензии (панель должна перестать работать):"),
        code(d.VALIDATE_EXPIRED_RESPONSE, "validate-expired"),
        para("Попытка подключить сервер сверх лимита тарифа и неизвестный ключ:"),
        code(d.LIMIT_RESPONSE, "limit-response"),
        code(d.NOT_FOUND_RESPONSE, "not-found-response"),
        rx.heading("Поля ответа", size="3", as_="h3"),
        rows([(term(n), t) for n, t in d.RESPONSE_FIELDS]),
    )


def signature_section() -> rx.Component:
    return section(
        "signature", "Проверка подписи",
        para("Каждый ответ API лицензий подписан ключом Ed25519 портала. Подпись — в заголовке ",
             mono("X-Signature"), " (base64, 64 байта) и вычислена над точными байтами тела ответа. "
             "Проверяйте подпись до разбора JSON и не доверяйте ответу без неё: так панель отличает "
             "ответ портала от подделки и может кешировать его."),
        para("Открытый ключ отдаёт ", mono("GET /api/v1/licenses/public-key"),
             ": поле public_key — 32 байта ключа в base64, public_key_pem — тот же ключ в формате PEM "
             "(для openssl). Сохраните ключ в панели один раз и не запрашивайте его вместе с каждой "
             "проверкой: иначе подделанный сервер подсунет свой ключ."),
        code(d.PUBLIC_KEY_REQUEST, "public-key"),
        rx.heading("Python (библиотека cryptography)", size="3", as_="h3"),
        code(d.PYTHON_VERIFY, "python-verify"),
        rx.heading("curl и openssl", size="3", as_="h3"),
        code(d.CURL_VERIFY, "curl-verify"),
    )


def errors_section() -> rx.Component:
    return section(
        "errors", "Коды ответов и ошибки",
        para("Поле code есть в каждом ответе; valid равно true только при code = valid."),
        rows([(term(c, f"HTTP {status}"), what) for c, status, what in d.ERROR_CODES]),
    )


def rate_limit_section() -> rx.Component:
    return section(
        "rate-limits", "Ограничение частоты запросов",
        para("Портал ограничивает число запросов к API лицензий в минуту — отдельно для каждого ключа "
             "и для каждого IP-адреса (по умолчанию 60 запросов в минуту на ключ и 600 с одного адреса). "
             "При превышении приходит ответ 429 с code = rate_limited (тоже подписанный) и заголовком ",
             mono("Retry-After"), " — через сколько секунд можно повторить запрос."),
        para("Панели достаточно проверять лицензию раз в несколько минут, а между проверками "
             "пользоваться сохранённым подписанным ответом."),
    )


def help_section() -> rx.Component:
    return section(
        "help", "Где получить помощь",
        para("Ответы на частые вопросы — в ", rx.link("FAQ", href="/faq"), ". Если ответа нет, "
             "создайте тикет в личном кабинете в разделе ", rx.link("«Тикеты»", href="/tickets"),
             ": категория «Лицензия» — для ключей, активации и лимитов, «Техническая» — для установки "
             "и работы панели. Приложите скриншоты и текст ответа API — так мы поможем быстрее. Ответ "
             "поддержки придёт и на email."),
    )


def docs_page() -> rx.Component:
    return public_shell(
        rx.vstack(
            rx.heading("Документация", size=rx.breakpoints(initial="7", md="8"), color=ACCENT, as_="h1"),
            rx.text("Установка и активация панели ISPGo, ограничения тарифов, REST API и API лицензий.",
                    size="3", color_scheme="gray"),
            spacing="2",
        ),
        contents(),
        install_section(),
        activation_section(),
        limits_section(),
        rest_api_section(),
        license_api_section(),
        signature_section(),
        errors_section(),
        rate_limit_section(),
        help_section(),
    )
