"""Writes the example arrangement's two fictional enclosures (run once; the files are kept in git):

- enclosures/independent-assessment-summary.docx: the summary of the independent assessment of AWS's
  IT control environment (TM-G-1 7.1.1), enclosed as Word and converted by regpack;
- enclosures/singapore-legal-opinion.pdf: the overseas legal opinion letter (SA-2 2.9.1), enclosed as a
  PDF (written here as Word, then converted once with LibreOffice: `--pdf`).

Every name, firm and finding in them is fictional.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

from docx import Document
from docx.shared import Pt

OUT = Path(__file__).resolve().parents[2] / "sources" / "hmb-payments-hub-aws" / "enclosures"


def _doc(title: str, lines: list[str]):
    doc = Document()
    doc.styles["Normal"].font.name = "Carlito"
    doc.styles["Normal"].font.size = Pt(10.5)
    doc.core_properties.author = "Example (fictional)"
    doc.add_heading(title, 1)
    for line in lines:
        if line.startswith("- "):
            doc.add_paragraph(line[2:], style="List Bullet")
        else:
            doc.add_paragraph(line)
    return doc


ASSESSMENT = [
    "Kestrel Assurance Partners Limited, Hong Kong. Report reference KAP-HMB-2026-07, 13 November 2026.",
    "Prepared for Harbourfront Meridian Bank Limited (HMB). Fictional example document.",
    "Objective: to assess, as TM-G-1 7.1.1 describes, the IT control environment of Amazon Web Services "
    "for the services and Regions HMB's retail payments hub will use, and HMB's own controls over them.",
    "Scope: AWS ap-east-1 (Hong Kong) and ap-southeast-1 (Singapore); the services listed in HMB's "
    "notification; HMB's landing zone, identity, key management, logging and backup design.",
    "Approach: review of the AWS SOC 2 Type II report (period to 30 September 2026), ISO/IEC 27001, 27017 "
    "and 27018 certificates and the C5 attestation; walkthroughs and configuration tests of HMB's landing zone.",
    "Conclusion: the control environment is adequate for a critical payments workload, subject to three "
    "low-rated observations:",
    "- break-glass account reviews to be evidenced monthly;",
    "- the Singapore backup vault's lock period to be aligned with the retention standard;",
    "- Service Control Policy exceptions to be approved by the Cloud Risk Committee.",
    "HMB has agreed actions for all three, due before go-live.",
]
OPINION = [
    "Tanjong Pagar Chambers LLP, Singapore. Our reference TPC-LO-2026-118. 30 October 2026.",
    "To: Harbourfront Meridian Bank Limited, Legal Department. Fictional example document.",
    "Re: holding backup and disaster-recovery copies of customer data in Singapore.",
    "You asked whether Singapore law would prevent the Hong Kong Monetary Authority, the bank or its "
    "auditors from accessing the bank's data held by Amazon Web Services in Singapore, and on what terms "
    "Singapore authorities could obtain that data.",
    "Our opinion, on the assumptions stated in our full letter:",
    "- no Singapore banking-secrecy or data-localisation rule applies to the bank's data held by AWS;",
    "- nothing in Singapore law prevents access by the HKMA, the bank or its auditors;",
    "- Singapore authorities can obtain the data only by a court order or a statutory notice in a specific "
    "investigation; no power allows general access to a foreign bank's backups;",
    "- the Hong Kong law governing the AWS agreement would be upheld by the Singapore courts.",
]


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    _doc("Independent assessment of the AWS IT control environment: summary report", ASSESSMENT).save(
        OUT / "independent-assessment-summary.docx")
    if "--pdf" in sys.argv:
        with tempfile.TemporaryDirectory() as tmp:
            source = Path(tmp) / "singapore-legal-opinion.docx"
            _doc("Legal opinion: Singapore law and the bank's data held in Singapore", OPINION).save(source)
            pdfa = 'pdf:writer_pdf_Export:{"SelectPdfVersion":{"type":"long","value":"2"}}'  # PDF/A-2b
            subprocess.run(["soffice", f"-env:UserInstallation=file://{tmp}/profile", "--headless", "--convert-to",
                            pdfa, "--outdir", str(OUT), str(source)], check=True, capture_output=True, timeout=120)


if __name__ == "__main__":
    main()
