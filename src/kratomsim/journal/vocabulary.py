"""The journal's vocabulary: symptom names, dose units, the SOWS items, other substances' units.

Plain lists the entry models validate against and the forms and CLI help show. Sources of the
symptom list and of the SOWS items are named beside them.
"""

from __future__ import annotations

#: Self-rated symptoms the journal accepts. Gastro-intestinal effects (nausea, constipation):
#: Grundmann 2017; withdrawal symptoms (muscle aches, insomnia, runny nose, watery eyes, hot
#: flashes, loss of appetite, diarrhoea, restlessness, irritability, low mood, anxiety): Singh
#: 2014; liver-injury watch (jaundice, itching, dark urine, abdominal pain): LiverTox; acute harms
#: of concentrated 7-OH products (vomiting, confusion, breathing difficulty): Texas DSHS. The rest
#: are common self-reported effects of opioid-like substances that users ask to track.
SYMPTOMS: tuple[str, ...] = (
    "nausea",
    "vomiting",
    "constipation",
    "diarrhoea",
    "abdominal-pain",
    "loss-of-appetite",
    "sweating",
    "hot-flashes",
    "runny-nose",
    "watery-eyes",
    "muscle-aches",
    "tremor",
    "insomnia",
    "drowsiness",
    "fatigue",
    "anxiety",
    "restlessness",
    "irritability",
    "low-mood",
    "confusion",
    "itching",
    "dizziness",
    "headache",
    "dry-mouth",
    "breathing-difficulty",
    "slow-breathing",
    "fainting",
    "seizure",
    "chest-pain",
    "jaundice",
    "dark-urine",
)
SYMPTOM_ALIASES = {
    "diarrhea": "diarrhoea",
    "pruritus": "itching",
    "itch": "itching",
    "sleeplessness": "insomnia",
    "muscle-pain": "muscle-aches",
    "appetite-loss": "loss-of-appetite",
    "depressed-mood": "low-mood",
    "sadness": "low-mood",
    "shortness-of-breath": "breathing-difficulty",
    "short-of-breath": "breathing-difficulty",
    "difficult-breathing": "breathing-difficulty",
    "slowed-breathing": "slow-breathing",
    "shallow-breathing": "slow-breathing",
    "passed-out": "fainting",
    "syncope": "fainting",
    "faint": "fainting",
    "fit": "seizure",
    "convulsion": "seizure",
    "convulsions": "seizure",
    "seizures": "seizure",
    "yellow-skin": "jaundice",
    "yellow-eyes": "jaundice",
}
#: Mass units a dose may be given in, as grams per unit (of product, not of alkaloid).
DOSE_UNITS: dict[str, float] = {"g": 1.0, "mg": 1e-3}
#: Household units counted per dose: teaspoons and capsules need ``g_per_unit`` (the person's own
#: weighing or the label), 7-OH tablets need ``oh7_mg_per_unit`` (the label's 7-OH per tablet).
COUNT_UNITS: dict[str, str] = {"tsp": "teaspoon", "capsule": "capsule", "tablet": "7-OH tablet"}
UNIT_ALIASES = {
    "gram": "g",
    "grams": "g",
    "milligram": "mg",
    "milligrams": "mg",
    "teaspoon": "tsp",
    "teaspoons": "tsp",
    "capsules": "capsule",
    "caps": "capsule",
    "tablets": "tablet",
    "tab": "tablet",
    "tabs": "tablet",
}
#: The 16 self-rated items of the Subjective Opiate Withdrawal Scale (Handelsman 1987), each
#: scored 0 (not at all) to 4 (extremely) for how the person feels now.
SOWS_ITEMS: tuple[str, ...] = (
    "I feel anxious",
    "I feel like yawning",
    "I am perspiring",
    "My eyes are teary",
    "My nose is running",
    "I have goosebumps",
    "I am shaking",
    "I have hot flushes",
    "I have cold flushes",
    "My bones and muscles ache",
    "I feel restless",
    "I feel nauseous",
    "I feel like vomiting",
    "My muscles twitch",
    "I have stomach cramps",
    "I feel like using now",
)
SOWS_ANSWERS: tuple[str, ...] = ("not at all", "a little", "moderately", "quite a bit", "extremely")
#: Units another substance may be counted in (what people count, not a conversion).
SUBSTANCE_UNITS: tuple[str, ...] = ("drink", "mg", "g", "mL", "tablet", "dose", "puff")
