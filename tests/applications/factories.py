"""factory_boy factories of intake's records: products, borrowers, leads, applications and
documents, written as rows (for a record in a given state without walking it there; to walk
an application through the services use microloan.scenarios)."""

import io
from datetime import date
from decimal import Decimal

import factory
from django.core.files.base import ContentFile
from PIL import Image

from applications.models import Application, Borrower, Document, Lead, Product
from applications.residentid import check_char

from ..kernel.factories import BranchFactory, UserFactory

PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def image_bytes(image_format: str, size: tuple[int, int] = (4, 3)) -> bytes:
    """A real (tiny) image file: the upload checks read an image's header."""
    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(out, format=image_format)
    return out.getvalue()


PNG_BYTES = image_bytes("PNG")
JPEG_BYTES = image_bytes("JPEG")


def id_number(n: int, born: date = date(1988, 5, 17), region: str = "110105") -> str:
    """A valid 18-digit resident ID (GB 11643 check digit), the n-th of its birth date."""
    first17 = f"{region}{born:%Y%m%d}{n % 1000:03d}"
    return first17 + check_char(first17)


class ProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Product

    code = factory.Sequence(lambda n: f"P{n:03d}")
    name = factory.Sequence(lambda n: f"Product {n}")
    category = "consumer_branch"
    min_amount = Decimal("1000.00")
    max_amount = Decimal("50000.00")
    min_term = 3
    max_term = 24
    min_rate = Decimal("0.05")
    max_rate = Decimal("0.24")
    methods = ["annuity", "equal_principal", "interest_only", "flat"]
    frequencies = ["monthly", "biweekly", "weekly"]
    required_documents = ["borrower_id", "income_proof"]
    channels = []


class BorrowerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Borrower

    branch = factory.SubFactory(BranchFactory)
    full_name = factory.Sequence(lambda n: f"借款人{n}")
    id_number = factory.Sequence(lambda n: id_number(n))
    date_of_birth = date(1988, 5, 17)
    sex = factory.LazyAttribute(lambda o: "M" if int(o.id_number[16]) % 2 else "F")
    mobile = "13900000000"
    segment = "salaried"
    monthly_income = Decimal("8000.00")


class LeadFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Lead

    officer = factory.SubFactory(UserFactory)
    branch = factory.SelfAttribute("officer.branch")
    name = factory.Sequence(lambda n: f"意向客户{n}")
    mobile = factory.Sequence(lambda n: f"139{n % 100000000:08d}")
    channel = "street"


class ApplicationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Application

    borrower = factory.SubFactory(BorrowerFactory)
    branch = factory.SelfAttribute("borrower.branch")
    product = factory.SubFactory(ProductFactory)
    created_by = factory.SubFactory(UserFactory, branch=factory.SelfAttribute("..branch"))
    officer = factory.SelfAttribute("created_by")
    amount = Decimal("10000.00")
    term = 12
    method = "annuity"
    frequency = "monthly"
    purpose = "working capital"


class DocumentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Document

    application = factory.SubFactory(ApplicationFactory)
    kind = "borrower_id"
    file = factory.LazyFunction(lambda: ContentFile(PDF_BYTES, name="doc.pdf"))
    content_type = "application/pdf"
    size = len(PDF_BYTES)
    sha256 = "0" * 64
    uploaded_by = factory.SelfAttribute("application.created_by")
