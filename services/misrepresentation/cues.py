"""Lexical cues of misrepresentation, in the prompt and in the output. Pure.

Each cue is a family of patterns around an intent (hide the AI origin, beat a detector, pass the
text off as one's own, claim to be human, write as someone else, invent reviewers), written over
word classes rather than fixed phrases so that new phrasings of the same intent still match. The
trained prompt model (model.py) carries the long tail; the cues carry the evidence a person reads
and a floor the model cannot talk its way under. Counter-cues (disclosure, editing only, summaries
of reviews, a brand speaking as itself) name the close-but-clean asks.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, fields

from services.prefilter import PatternSet
from services.skeleton import skeleton

_AI = (
    r"(?:an? )?(?:ai|a\.i\.|bot|chat ?bot|robot|chatgpt|gpt(?:-?\d)?|claude|gemini|llm|"
    r"language model|machine|computer|automat\w*|generated|generator|assistant)"
)
_AUDIENCE = (
    r"(?:they|them|people|readers?|recipients?|nobody|no ?one|anyone|the (?:reader|teacher|"
    r"professor|client|customer|recruiter|boss|editor|audience)|my (?:teacher|professor|boss|"
    r"manager|followers|readers|friends|clients|school)|followers|the school|teachers?)"
)
_DETECTOR = (
    r"(?:(?:ai|gpt|chatgpt)[- ]?(?:detect\w*|checker|scanner|classifier)|detectors?|detection|"
    r"gptzero|gpt ?zero|zerogpt|turnitin|originality(?:\.ai)?|copyleaks|winston|sapling|"
    r"plagiarism checker|ai checker)"
)
_OFFICE = (
    r"(?:ceo|cfo|founder|president|spokes\w+|representative|mayor|senator|governor|minister|"
    r"officer|director|manager|head of|employee of|support (?:agent|team)|customer service|"
    r"doctor|dr\.|police)"
)
_ROLE = (
    r"(?:guest|customer|buyer|purchaser|shopper|traveller|traveler|tourist|local|diner|user|"
    r"client|patient|parent|mom|dad|resident|student|fan|visitor|reviewer|member)"
)


def _rx(*patterns: str) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{p})" for p in patterns), re.IGNORECASE)


CONCEAL_AI = _rx(
    rf"\b(?:don'?t|do not|never|without|avoid|no)\b[^.]{{0,30}}\b(?:mention\w*|say\w*|reveal\w*|"
    rf"disclos\w*|admit\w*|hint\w*|indicat\w*|tell\w*|let\w* \w+ know|let\w* on|give\w* away|"
    rf"tip\w* (?:\w+ )?off|make it obvious)\b[^.]{{0,40}}\b{_AI}\b",
    rf"\bhid(?:e|ing)\b[^.]{{0,30}}\b{_AI}\b",
    rf"\b(?:can'?t|cannot|mustn'?t|shouldn'?t|won'?t|never)\b[^.]{{0,12}}\b(?:know|find out|"
    rf"tell|guess|notice|realize|realise|suspect)\b[^.]{{0,40}}\b{_AI}\b",
    rf"\bno {_AI} (?:vibes?|feel|tone)\b",
    rf"\b(?:traced?|linked?) back to {_AI}\b",
    rf"\bleave out\b[^.]{{0,30}}\b{_AI}\b",
    r"\b(?:scrub|strip|remov|get rid of|clean|purg)\w*\b[^.]{0,30}\b(?:sounds?|looks?|reads?|"
    r"feels?|screams?|smells?)\b[^.]{0,12}\b(?:generated|ai|robotic|machine[- ]made|automated|"
    r"like (?:ai|a bot|chatgpt|a machine))\b",
)
EVADE_DETECTION = _rx(
    rf"\b(?:pass\w*|bypass\w*|get\w* (?:past|through|around)|beat\w*|fool\w*|evad\w*|dodg\w*|"
    rf"trick\w*|slip\w* past|avoid\w*|fly under)\b[^.]{{0,40}}\b{_DETECTOR}",
    rf"\b(?:won'?t|not|never|without|avoid\w*|doesn'?t|don'?t|isn'?t)\b[^.]{{0,15}}\b(?:get |be )?"
    rf"(?:flagged|caught|detected|detectable)\b[^.]{{0,30}}\b(?:by|as)\b[^.]{{0,20}}"
    rf"(?:{_DETECTOR}|{_AI})",
    r"\bundetectable\b",
    r"\b0 ?% (?:ai|gpt)\b",
    # "humanize this text" is the AI-humaniser ask; "humanize our brand voice" is marketing.
    r"\bhumani[sz](?:e|ed|ing|er)\b[^.]{0,25}\b(?:text|essay|paragraph|content|writing|output|"
    rf"answer|response|article|draft|copy|it|this|{_AI})\b(?! (?:brand|voice|tone|company))",
    rf"\b{_AI}[- ]humani[sz]er\b",
    rf"\b{_DETECTOR}[^.]{{0,40}}\b(?:as )?(?:human|0 ?%)",
    rf"\b{_DETECTOR}[^.]{{0,30}}\b(?:won'?t|doesn'?t|can'?t|cannot|will not|never)\b[^.]{{0,10}}"
    r"\b(?:catch|flag|detect|notice|spot|pick)\w*",
    rf"\b{_DETECTOR}[^.]{{0,40}}\b(?:score|scores|result|rating|check|report)\b[^.]{{0,25}}"
    r"\b(?:clean|low|zero|human|green|0 ?%)",
)
PASS_AS_OWN = _rx(
    r"\b(?:sound|look|seem|read|feel)s? (?:like|as if|as though)\b[^.]{0,25}\b(?:i|me|myself)\b"
    r"[^.]{0,15}\b(?:wrote|write|typed|did|made|written|came)\b",
    r"\b(?:as|like) (?:my|mine) own\b",
    r"\bmy own (?:work|writing|words)\b[^.]{0,30}\b(?:submit|hand|pass|present|post)",
    r"\b(?:submit\w*|hand\w* in|turn\w* in|present\w*|pass\w* (?:it )?off)\b[^.]{0,30}"
    r"\b(?:as (?:my|mine)|as my own|as mine)\b",
    r"\b(?:written|typed|done) by me (?:personally|myself)\b",
    r"\b(?:look|looks) like i did it\b",
    r"\bas if i (?:wrote|typed|lived)\b",
    r"\bfrom me personally\b",
    r"\bcame (?:straight |directly )?from me\b",
    r"\b(?:sound|look|seem|read)s? like (?:a )?(?:real )?(?:person|human) (?:wrote|typed|write)",
    r"\b(?:sign\w*|put my name)\b[^.]{0,40}\b(?:so|like|as if)\b[^.]{0,30}\b(?:i|me|my own|"
    r"handwritten|personally)\b",
    r"\bhandwritten by me\b|\blike i typed it\b",
)
PRETEND_HUMAN = _rx(
    r"\b(?:pretend\w*|act\w*|pos(?:e|es|ing)|claim\w*|insist\w*|convinc\w*)\b[^.]{0,25}"
    r"\b(?:a |an )?(?:real|actual|human|live)\b[^.]{0,10}\b(?:person|human|agent|employee|"
    r"being|staff)\b",
    rf"\b(?:deny\w*|never admit\w*|don'?t admit\w*|not admit\w*)\b[^.]{{0,30}}\b{_AI}\b",
    rf"\b(?:if|when)\b[^.]{{0,30}}\b(?:ask\w*)\b[^.]{{0,40}}\b{_AI}\b[^.]{{0,30}}\b(?:say|tell|"
    r"answer|reply)\w*(?: \w+)? (?:no|that you)\b",
    r"\bpretend\w* to be (?:a )?human\b",
    r"\bnever (?:say|tell|reveal|admit|let on|mention)\w*[^.]{0,20}\byou(?:'re| are)\b"
    rf"[^.]{{0,5}}{_AI}\b",
    r"\byou(?:'re| are) \w+, an? real (?:person|human|[\w ]{0,20}(?:rep|agent|employee|assistant))",
)
HUMAN_TOUCH = _rx(
    r"\b(?:add|throw in|include|insert|put in|sprinkle)\b[^.]{0,25}\b(?:typos?|mistakes?|errors?|"
    r"misspellings?)\b",
    r"\b(?:human|person)[- ]typed\b",
    r"\blike (?:a real person|someone) typed\b",
    r"\b(?:errors?|mistakes?|typos?) on purpose\b",
)
BELIEVE_HUMAN = _rx(
    rf"\b(?:so|make|makes|making|until|that|convinc\w*)\b[^.]{{0,15}}\b{_AUDIENCE}\b[^.]{{0,20}}"
    r"\b(?:think|believe|assume|thinks|believes|assumes)\b[^.]{0,30}\b(?:human|person|people|"
    r"i|me|myself|my own|by hand)\b",
    rf"\b{_AUDIENCE}\b[^.]{{0,15}}\b(?:can'?t|won'?t|shouldn'?t|mustn'?t|never|doesn'?t|don'?t)"
    rf"\b[^.]{{0,10}}\b(?:tell|know|guess|notice|suspect|realize|realise)\b[^.]{{0,30}}"
    rf"(?:{_AI}|human|person|me)\b",
    rf"\b{_AUDIENCE}\b[^.]{{0,15}}\b(?:must|should|will|need to|has to|have to)\b[^.]{{0,10}}"
    r"\b(?:believe|think|assume)\b[^.]{0,30}\b(?:human|person|me|i|my own)\b",
    r"\bconvinc\w*\b[^.]{0,30}\b(?:human|real person)\b",
    rf"\b(?:no ?one|nobody)\b[^.]{{0,15}}\b(?:suspects?|knows?|notices?|can tell|will know|"
    rf"realizes?|realises?|guesses?)\b[^.]{{0,40}}\b(?:{_AI}|human|person|me)\b",
    r"\b(?:passes|pass) as human\b",
    r"\bhuman[- ](?:written|made|authored)\b",
    r"\b(?:100 ?%|fully|totally|completely) human\b",
)
WRITE_AS_OTHER = _rx(
    # Someone in particular (a name, a handle, an office), not a character: "pretend you are
    # a pirate" is play with the asker, "pretend you are Elon Musk" or "the CEO" is not.
    r"\bpretend\w* (?:you(?:'re| are) |to be |that you are )(?:the |an? )?"
    rf"(?:(?-i:[A-Z@])|official|{_OFFICE})",
    r"\b(?:posing|pose) as\b",
    r"\bimpersonat\w*",
    r"\bin the name of\b",
    r"\bin (?-i:[A-Z@][\w.]*(?: [A-Z][\w.]*)*)'s (?:name|voice)\b",
    r"\bfrom (?-i:[A-Z@][\w.]*(?: [A-Z][\w.]*)*)'s (?:point of view|perspective)\b",
    r"\bas (?:if (?:it came|you were|i were) from|the official)\b",
    r"\b(?:tweet|post|message|statement|letter|email|quote|dm|notice|announcement) (?:as|from) "
    r"(?:@\w+|(?-i:[A-Z][a-z]+ [A-Z][a-z]+))",
    r"\bsigned (?:by |as )?(?:@\w+|(?-i:[A-Z][a-z]+ [A-Z][a-z]+)|"
    r"the (?:ceo|mayor|director|principal|president|head|manager))",
    rf"\bpretending to be (?:the |an? )?(?:(?-i:[A-Z@])|official|{_OFFICE})",
    r"\bmake it look official\b",
)
REVIEW_AS_CUSTOMER = _rx(
    rf"\b(?:review|testimonial|rating|complaint)s?\b[^.]{{0,60}}\b(?:as (?:an? |the |if (?:you|i) "
    rf"(?:were|was) an? |someone|one)|from (?:the perspective|the point of view) of an?|"
    rf"like an?)\b[^.]{{0,25}}\b{_ROLE}",
    rf"\b(?:pretend\w*|act\w*|pos\w*)\b[^.]{{0,25}}\b{_ROLE}\b[^.]{{0,60}}\b(?:review|rate|"
    r"testimonial|recommend|trash|warn|post)",
    r"\bverified (?:buyer|purchase|customer)\b",
    rf"\bas (?:an? )?(?:happy|satisfied|disappointed|angry|unhappy|real|ordinary|loyal) {_ROLE}",
    r"\b(?:review|rate)\b[^.]{0,40}\bin first person\b[^.]{0,30}\b(?:buyer|customer)\b",
)
INVENTED_PEOPLE = _rx(
    r"\b(?:make up|made-up|invent\w*|fabricat\w*|fake|fictional|fictitious)\b[^.]{0,30}"
    r"\b(?:testimonials?|quotes?|reviews?|complaints?|personas?|identit(?:y|ies)|reviewers?|"
    r"profiles?|names|customers?|clients?|residents?|experts?|bloggers?|accounts?|users?|"
    r"commenters?|followers?|voices)\b",
    r"\b(?:\d+|two|three|four|five|six|seven|eight|nine|ten|dozens?)\b[^.]{0,40}\b(?:reviews?|"
    r"testimonials?|profiles?|personas?|accounts?|comments?|posts?|replies|tweets?|messages?)\b"
    r"[^.]{0,60}"
    r"\b(?:different|unique|various|separate|distinct)\b",
    r"\b(?:each|every one) from a different\b",
    r"\blook like (?:they came from )?different (?:people|customers|reviewers|users)\b",
    r"\bpresented as real\b|\bas if (?:s?he|they) (?:were|was) real\b",
    r"\b(?:testimonial|review|quote)s?\b[^.]{0,30}\bfrom an?\b[^.]{0,40}\b(?:named|called)\b",
    r"\btestimonials? (?:from|by) an?\b",
)

# Counter-cues: close in wording, clean in intent.
DISCLOSES_AI = _rx(
    r"\b(?:label\w*|mark\w*|tag\w*|note|notes|noting|say\w*|state\w*|disclos\w*|introduc\w*|"
    r"tell\w*|mention\w*|include\w*)\b(?! that you are human)[^.]{0,40}\b(?:as |that )?"
    r"(?:ai[- ]generated|generated (?:by|with) ai|written (?:by|with) (?:ai|an ai)|"
    r"a (?:virtual|automated|ai) assistant|an? (?:bot|chatbot|automated assistant)|"
    r"ai assistance|virtual assistant)",
    r"\byou are an? (?:automated|virtual|ai) assistant\b",
    r"'ai-generated[^']*'",
)
EDIT_ONLY = _rx(
    r"\b(?:fix|correct|proofread|check|improve)\w*\b[^.]{0,40}\b(?:grammar|spelling|typos|"
    r"punctuation|commas|sentences)\b",
    r"\btranslat\w*\b",
    r"\b(?:summari[sz]e|analy[sz]e|group|categori[sz]e|count|sentiment|themes?)\b[^.]{0,40}"
    r"\breviews?\b",
    r"\b(?:i'?ll|i will|i'?m going to) (?:edit|review|rewrite|revise|write it myself|read them)",
    r"\b(?:outline|brainstorm|feedback on my|title ideas)\b",
)
OWN_VOICE = _rx(
    r"\b(?:our|my) (?:company|brand|team|business|store|shop|clinic|restaurant|hotel|studio|"
    r"newsletter)(?:'s)?\b(?! competitor)",
    r"\bas the (?:manager|owner|team) of\b",
    r"\bfrom our team\b",
    r"\bfor our (?:brand|company)\b",
    r"\bour (?:new|latest|upcoming|own)\b",
    r"\bas \w+ from (?:the|our) [\w ]{0,20}(?:team|desk|department|support|office)\b",
    r"\b(?:our|my) (?:own )?[\w'-]+(?: [\w'-]+)?(?:'s)? (?:page|account|profile|website|site|"
    r"newsletter|blog|feed|channel|handle|listing)\b",
)
SOLICITS_REVIEWS = _rx(
    r"\b(?:ask\w*|invit\w*|remind\w*|request\w*|encourag\w*|get)\b[^.]{0,30}\b(?:customers?|"
    r"guests?|buyers?|users?|clients?|patients?|shoppers?|diners?|visitors?)\b[^.]{0,30}"
    r"\b(?:to )?(?:leave|write|share|post|give|review|rate|for (?:feedback|a review))\b",
    r"\b(?:review|feedback) (?:request|reminder|invitation)\b",
    r"\bhonest (?:review|feedback)s?\b",
)

# Output side.
CLAIMS_HUMAN = _rx(
    r"\bi(?:'m| am) (?:a |an )?(?:real|actual|living|human)\b(?: person| human| being)?",
    rf"\b(?:i'?m|i am) not (?:a |an )?{_AI}\b",
    r"\bnot (?:a )?(?:bot|robot|chatbot|an ai)\b",
    r"\b(?:typed|typing|writing|wrote) (?:this )?(?:on|from) my phone\b",
    r"\bsent from my (?:iphone|phone|android|ipad)\b",
    r"\bas a real (?:person|human)\b",
)
FIRST_HAND = _rx(
    r"\b(?:i|we) (?:stayed|bought|ordered|visited|tried|ate|purchased|booked|have been using|"
    r"'ve been using|used it|use it every)\b",
    r"\bmy (?:husband|wife|partner|kids|family|son|daughter|boyfriend|girlfriend) and i\b",
)


@dataclass(frozen=True, slots=True)
class PromptCues:
    conceal_ai: bool
    evade_detection: bool
    pass_as_own: bool
    pretend_human: bool
    human_touch: bool
    believe_human: bool
    write_as_other: bool
    review_as_customer: bool
    invented_people: bool
    discloses_ai: bool
    edit_only: bool
    own_voice: bool
    solicits_reviews: bool
    own_experience: bool

    def fired(self) -> list[str]:
        return [f.name for f in fields(self) if getattr(self, f.name)]

    def as_vector(self) -> list[float]:
        return [1.0 if getattr(self, f.name) else 0.0 for f in fields(self)]


PROMPT_CUE_NAMES = tuple(f.name for f in fields(PromptCues))


# Material the ask is about, not the ask: quoted passages and code blocks.
_QUOTED = re.compile(
    r"```.*?```|\"[^\"]{40,}\"|“[^”]{40,}”|«[^»]{40,}»|(?<=[:\s])'[^']{40,}'(?=[\s.,;!?]|$)",
    re.S,
)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
LONG_PARAGRAPH = 300
"""Asks are short; a longer paragraph is material pasted in to be summarised, translated, …"""


def instruction_of(prompt: str) -> str:
    """The ask without the material it is about, so that an article about students beating AI
    detectors, pasted in to be summarised, does not read as a request to beat them: quoted
    passages and code blocks are dropped; of the paragraphs, the short ones before the first
    long paragraph and after the last one are kept; a single long block keeps what comes
    before an early colon, or else its first and last sentences. Short prompts (all of the
    training set) come back unchanged."""
    text = _QUOTED.sub(" … ", prompt)
    paragraphs = [p.strip() for p in re.split(r"\n+", text) if p.strip()]
    long = [i for i, p in enumerate(paragraphs) if len(p) > LONG_PARAGRAPH]
    if not long:
        return "\n".join(paragraphs)
    if len(paragraphs) == 1:
        block = paragraphs[0]
        colon = block.find(":", 0, LONG_PARAGRAPH)
        if colon > 0:  # "Summarise this: <material>"
            return block[:colon]
        sentences = _SENTENCE_END.split(block)
        ends = [sentences[0], sentences[-1]] if len(sentences) > 1 else sentences
        return " … ".join(s[:LONG_PARAGRAPH] for s in ends)
    kept = paragraphs[: long[0]] + paragraphs[long[-1] + 1 :]
    return "\n".join(kept) if kept else paragraphs[0][:LONG_PARAGRAPH]


PROMPT_SCAN = 8_000
"""Only the opening of a prompt is looked at for its ask (`instruction_of` reads paragraphs)."""


@dataclass(frozen=True, slots=True)
class Ask:
    """A prompt's ask, apart from the material it is about (`instruction_of`), twice: in the
    matching form (`services/skeleton.py`: look-alike letters, leetspeak, symbols for letters
    and letter spacing undone, lower case), which the prompt model and the cues read, and as
    written, where a name keeps its capitals for the cue that tells a person from a character
    ("in Keanu Reeves's voice" against "in a pirate's voice")."""

    form: str
    written: str


def ask_of(prompt: str) -> Ask:
    """The ask of a prompt, for the model and the cues ("wr1te 1t s0 n0 A1 det3ctor fl4gs it"
    reads as the ask it spells). The form is taken before the ask is set apart: a prompt spelt
    out letter by letter is three times as long, and read as written its ask looked like pasted
    material. Training reads its prompts through the same function."""
    opening = prompt[:PROMPT_SCAN]
    return Ask(instruction_of(skeleton(opening)), instruction_of(opening))


def prompt_cues(prompt: str) -> PromptCues:
    """The cues of a prompt: of its ask (`ask_of`), not pasted material."""
    return ask_cues(ask_of(prompt))


ASK_CUES = PatternSet(
    {
        "conceal_ai": CONCEAL_AI,
        "evade_detection": EVADE_DETECTION,
        "pass_as_own": PASS_AS_OWN,
        "pretend_human": PRETEND_HUMAN,
        "human_touch": HUMAN_TOUCH,
        "believe_human": BELIEVE_HUMAN,
        "write_as_other": WRITE_AS_OTHER,
        "review_as_customer": REVIEW_AS_CUSTOMER,
        "invented_people": INVENTED_PEOPLE,
        "discloses_ai": DISCLOSES_AI,
        "edit_only": EDIT_ONLY,
        "own_voice": OWN_VOICE,
        "solicits_reviews": SOLICITS_REVIEWS,
        # The asker tells what they lived ("we stayed three nights, the pool was cold"): a
        # review written for its author, not an invented one.
        "own_experience": FIRST_HAND,
    }
)
"""The prompt cues, judged in one literal scan (services/prefilter.py): only the patterns whose
phrases the ask holds run (134 µs per ordinary prompt when all fourteen ran)."""
OUTPUT_CUES = PatternSet({"claims_human": CLAIMS_HUMAN, "first_hand": FIRST_HAND})


NAMED_CUES = PatternSet({"write_as_other": WRITE_AS_OTHER})
"""The cue whose patterns read capitals (a name, as against a character), also run on the ask as
written."""


def ask_cues(ask: Ask) -> PromptCues:
    """The cues of an ask (`ask_of`): of its matching form, and the named-person cue of the ask as
    written too."""
    hit = ASK_CUES.search(ask.form)
    if not hit["write_as_other"]:
        hit["write_as_other"] = NAMED_CUES.search(ask.written)["write_as_other"]
    # "don't mention it's AI-generated" names the disclosure only to refuse it
    hit["discloses_ai"] = hit["discloses_ai"] and not hit["conceal_ai"]
    return PromptCues(**hit)


@dataclass(frozen=True, slots=True)
class OutputCues:
    claims_human: bool
    first_hand: bool

    def fired(self) -> list[str]:
        return [f.name for f in fields(self) if getattr(self, f.name)]


def output_cues(generation: str) -> OutputCues:
    return OutputCues(**OUTPUT_CUES.search(generation[:4000]))
