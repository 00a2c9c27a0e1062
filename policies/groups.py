"""Names of groups of people, as the bias policy and the content model look for them: a text that names one can be
hate; a text that names none is scored as an insult at most."""

from __future__ import annotations

import re

GROUPS = (
    r"muslims?|islam\w*|jews?|jewish|christians?|hindus?|buddhists?|atheists?|catholics?|sikhs?|mormons?|"
    r"blacks?|whites?|asians?|latin[oa]s?|latinx|hispanics?|mexicans?|chinese|japanese|koreans?|indians?|arabs?|africans?|"
    r"native americans?|indigenous|immigrants?|refugees?|foreigners?|migrants?|gypsies|roma|"
    r"gays?|lesbians?|bisexuals?|transgenders?|trans (?:people|women|men|folks?)|queers?|lgbt\w*|homosexuals?|"
    r"women|woman|girls|females?|men|males?|feminists?|"
    r"disabled|cripples?|retards?|autistics?|deaf|blind|"
    r"mentally (?:ill|insane|disabled|challenged|handicapped)|the mentally ill|mental (?:illness|illnesses|disabilit(?:y|ies))|"
    r"trann(?:y|ies)|hijabs?|burqas?|turbans?|bisexuality|asexual(?:s|ity)?|pride (?:parades?|festivals?|month)|"
    r"china|mexico|africa|india|israel|iran|iraq|syria|pakistan|somalia|americans?|europeans?|russians?|"
    r"old people|elderly|boomers|millennials|poor people|fat people|"
    r"homosexual\w*|heterosexuals?|wives|husbands|daughters|ladies|middle eastern(?:ers)?|natives|aboriginals?|illegals|"
    r"handicapped|wheelchair users|amputees|paraplegics?|dwarfs|midgets|disabilit(?:y|ies)|same-sex couples|moslems?|mulsims?"
)
_GROUP = rf"(?:{GROUPS})(?:\s+(?:people|persons|folks|men|women|kids|guys))?"
MENTION = re.compile(rf"\b{_GROUP}\b", re.IGNORECASE)
