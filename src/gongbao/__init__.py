"""gongbao: Chinese government gazettes as a structured public record."""
